//! `yinling demo`: fills an empty data directory with a realistic city, through the same
//! decide + group-commit path as the API (every command is decided and can be refused).
//!
//! The content (teams, names, ids, dates, hours, redemptions) is a pure function of the seed
//! and the options; event timestamps are the time of the run, as for any real backfill.

mod city;
mod mistakes;
mod station;
mod summary;
mod trust;

use summary::Made;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use chrono::{Datelike, Days, NaiveDate};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use uuid::Uuid;
use yinling_app::metrics::Metrics;
use yinling_app::mint::{secret_hash, TokenMint};
use yinling_app::node::{
    bootstrap_admin, bootstrap_policies, bootstrap_star_scale, StartPolicies, ADMIN_TOKEN_ENV,
};
use yinling_app::{App, AppError, Engine, EngineConfig};
use yinling_ledger::*;
use yinling_projections::{Command, ParticipantHours, Principal};

use super::progress::Progress;

use super::limits::{
    DEMO_BACKFILL_LIMIT_DAYS, DEMO_MAX_HOURS_A_DAY, DEMO_SERVICES_PER_VOLUNTEER,
    IN_FLIGHT_COMMANDS, JOINT_SHARE, MAX_DEMO_DAYS, MAX_DEMO_SERVICES_PER_VOLUNTEER,
    MAX_DEMO_TEAMS, MAX_DEMO_VOLUNTEERS, MAX_REFUSALS_SHOWN, MIN_DEMO_DAYS_FOR_A_LEAVER,
};

/// Options of `demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// The data directory to fill (must be empty or new).
    #[arg(long, default_value = "./data")]
    pub data: PathBuf,
    /// Volunteers in the city (about 10,000 in 湖州).
    #[arg(long, default_value_t = 10_000)]
    pub volunteers: usize,
    /// Teams (47 in 湖州).
    #[arg(long, default_value_t = 47)]
    pub teams: usize,
    /// Days of activity history, ending yesterday.
    #[arg(long, default_value_t = 365)]
    pub days: u32,
    /// Seed of the generator: the same seed gives the same city.
    #[arg(long, default_value_t = 2023)]
    pub seed: u64,
    /// Services a volunteer gives in a year, on average: 5.5 in 湖州's figures (about 11
    /// events a volunteer in all); a province where each serves about weekly is 45 (about 50
    /// events a volunteer). More services make more activities of the same size.
    #[arg(long, default_value_t = DEMO_SERVICES_PER_VOLUNTEER)]
    pub services_per_volunteer: f64,
}

/// The seeded source of every id and name the demo draws.
struct Generator {
    rng: ChaCha8Rng,
    ids: u64,
}

impl Generator {
    /// A UUIDv7 drawn from the seeded generator (synthetic timestamp, seeded random bits).
    fn uuid(&mut self) -> Uuid {
        self.ids += 1;
        let millis = 1_672_531_200_000 + self.ids; // 2023-01-01 + n ms
        let bytes: [u8; 10] = self.rng.gen();
        uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid()
    }

    fn name(&mut self) -> String {
        let surname = city::SURNAMES
            .choose(&mut self.rng)
            .copied()
            .unwrap_or("王");
        let given = city::GIVEN_NAMES
            .choose(&mut self.rng)
            .copied()
            .unwrap_or("建国");
        format!("{surname}{given}")
    }
}

/// Runs `demo`.
pub fn run(args: DemoArgs) -> Result<std::process::ExitCode, String> {
    if args.volunteers == 0 || args.volunteers > MAX_DEMO_VOLUNTEERS {
        return Err(format!(
            "--volunteers {} must be between 1 and {MAX_DEMO_VOLUNTEERS}",
            args.volunteers
        ));
    }
    if args.teams == 0 || args.teams > MAX_DEMO_TEAMS || args.teams > args.volunteers {
        return Err(format!(
            "--teams {} must be between 1 and {MAX_DEMO_TEAMS} and at most --volunteers",
            args.teams
        ));
    }
    if args.days == 0 || args.days > MAX_DEMO_DAYS {
        return Err(format!(
            "--days {} must be between 1 and {MAX_DEMO_DAYS}",
            args.days
        ));
    }
    let services = args.services_per_volunteer;
    if !(services > 0.0 && services <= MAX_DEMO_SERVICES_PER_VOLUNTEER) {
        return Err(format!(
            "--services-per-volunteer {services} must be more than 0 and at most \
             {MAX_DEMO_SERVICES_PER_VOLUNTEER}"
        ));
    }
    let runtime = super::runtime()?;
    runtime.block_on(generate(args))
}

async fn submit_all(
    app: &App,
    commands: Vec<(Principal, Command)>,
    progress: &mut Progress,
    made: &mut Made,
) {
    type Done = Result<Result<(), AppError>, tokio::task::JoinError>;
    let mut record = |done: Done, progress: &mut Progress| {
        progress.inc(1);
        let refusal = match done {
            Ok(Ok(_)) => None,
            Ok(Err(e)) => Some(e.detail()),
            Err(e) => Some(e.to_string()),
        };
        if let Some(detail) = refusal {
            made.refused += 1;
            if made.refused <= MAX_REFUSALS_SHOWN {
                eprintln!("demo: a command was refused: {detail}");
            }
        }
    };
    let permits = Arc::new(Semaphore::new(IN_FLIGHT_COMMANDS));
    let mut set = JoinSet::new();
    for (who, command) in commands {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        let app = app.clone();
        set.spawn(async move {
            let result = app.submit::<()>(&who, command, None).await.map(|_| ());
            drop(permit);
            result
        });
        while let Some(done) = set.try_join_next() {
            record(done, progress);
        }
    }
    while let Some(done) = set.join_next().await {
        record(done, progress);
    }
}

async fn generate(args: DemoArgs) -> Result<std::process::ExitCode, String> {
    let started = Instant::now();
    let metrics = Arc::new(Metrics::new());
    let config = EngineConfig::new(&args.data);
    let engine_config = config.clone();
    let engine_metrics = metrics.clone();
    let engine = tokio::task::spawn_blocking(move || Engine::open(&engine_config, engine_metrics))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    if engine.log().head().seq > 0 {
        return Err(format!(
            "the data directory {} already holds {} events; demo fills only an empty one",
            args.data.display(),
            engine.log().head().seq
        ));
    }
    let mint = TokenMint::load_or_create(&args.data)
        .map_err(|e| format!("cannot create the token key: {e}"))?;
    let app = App::new(Arc::new(engine), metrics, mint.clone());
    let env_token = std::env::var(ADMIN_TOKEN_ENV)
        .ok()
        .filter(|t| !t.trim().is_empty());
    let printed = bootstrap_admin(&app, env_token)
        .await
        .map_err(|e| e.to_string())?;
    bootstrap_star_scale(&app)
        .await
        .map_err(|e| e.to_string())?;
    // The zone and hold time a server started on this directory would record.
    bootstrap_policies(
        &app,
        &StartPolicies::default(),
        yinling_projections::limits::DEFAULT_HOLD_TTL_SECONDS,
    )
    .await
    .map_err(|e| e.to_string())?;
    let admin_id = app
        .engine
        .read()
        .tokens
        .by_id
        .keys()
        .next()
        .copied()
        .ok_or("no admin token was recorded")?;
    let admin = Principal::Admin(admin_id);
    let mut gen = Generator {
        rng: ChaCha8Rng::seed_from_u64(args.seed),
        ids: 0,
    };
    let mut made = Made::default();
    let today = Timestamp::now().local_date();

    // Teams: the named ones first, then one per town and category until the count is reached.
    let mut teams: Vec<(TeamId, String, String, Category)> = Vec::new();
    let mut per_district = [0usize; 5];
    let quota = |d: usize| {
        city::TEAMS_PER_DISTRICT[d] * args.teams / 47 + usize::from(d < args.teams % 47 % 5)
    };
    for (name, district, category) in city::NAMED_TEAMS {
        let d = city::DISTRICTS
            .iter()
            .position(|(n, _)| *n == district)
            .unwrap_or(0);
        if teams.len() < args.teams && per_district[d] < quota(d).max(1) {
            teams.push((
                TeamId(gen.uuid()),
                name.to_owned(),
                district.to_owned(),
                category,
            ));
            per_district[d] += 1;
        }
    }
    const ORDINALS: [&str; 9] = ["", "二", "三", "四", "五", "六", "七", "八", "九"];
    // Names taken so far (a province has ten thousand teams: a scan per name would be
    // quadratic).
    let mut taken: std::collections::HashSet<String> = teams.iter().map(|t| t.1.clone()).collect();
    for (d, (district, towns)) in city::DISTRICTS.iter().enumerate() {
        let mut n = 0usize;
        while per_district[d] < quota(d) && teams.len() < args.teams {
            // A town and a kind of service; the first free name wins (第二队 etc. only if needed).
            let town = towns[n % towns.len()];
            let first = gen.rng.gen_range(0..Category::ALL.len());
            let round = n / towns.len();
            let candidate = (0..Category::ALL.len())
                .map(|k| Category::ALL[(first + k) % Category::ALL.len()])
                .find_map(|category| {
                    // 第二分队 to 第九分队, then 第10分队 and on: a name is always found.
                    let name = match (round, ORDINALS.get(round)) {
                        (0, _) => format!("{town}{}", city::team_suffix(category)),
                        (_, Some(ordinal)) => {
                            format!("{town}{}第{ordinal}分队", city::team_suffix(category))
                        }
                        (_, None) => {
                            format!("{town}{}第{}分队", city::team_suffix(category), round + 1)
                        }
                    };
                    (!taken.contains(&name)).then_some((name, category))
                });
            n += 1;
            if let Some((name, category)) = candidate {
                taken.insert(name.clone());
                teams.push((TeamId(gen.uuid()), name, (*district).to_owned(), category));
                per_district[d] += 1;
            }
        }
    }
    // Teams beyond the five districts' quotas (a --teams above 47) go round the districts.
    let mut extra = 0usize;
    while teams.len() < args.teams {
        let (district, towns) = city::DISTRICTS[extra % 5];
        let category = Category::ALL[extra % Category::ALL.len()];
        let name = format!(
            "{}{}{}号",
            towns[extra % towns.len()],
            city::team_suffix(category),
            extra + 1
        );
        teams.push((TeamId(gen.uuid()), name, district.to_owned(), category));
        extra += 1;
    }
    // The districts and counties first (and the partner county of the 银雁协共体), the
    // earning rules and the 垃圾分类 campaign.
    let district_commands: Vec<(Principal, Command)> = city::districts(today, args.days)
        .into_iter()
        .map(|c| (admin.clone(), c))
        .collect();
    let mut progress = Progress::new("districts", district_commands.len() as u64 + 1);
    submit_all(&app, district_commands, &mut progress, &mut made).await;
    let campaign = app
        .category("category", city::CAMPAIGN_CODE)
        .map_err(|e| format!("the campaign was not registered: {}", e.detail()))?;
    let end = vec![(
        admin.clone(),
        city::campaign_end(campaign, today, args.days),
    )];
    submit_all(&app, end, &mut progress, &mut made).await;
    progress.finish();
    let mut progress = Progress::new("teams", teams.len() as u64 * 2);
    let commands = teams
        .iter()
        .map(|(team_id, name, district, category)| {
            (
                admin.clone(),
                Command::RegisterTeam {
                    team_id: *team_id,
                    name: name.clone(),
                    district: district.clone(),
                    category: *category,
                },
            )
        })
        .collect();
    submit_all(&app, commands, &mut progress, &mut made).await;
    made.teams = teams.len();
    // One coordinator per team, acting through its own token.
    let mut coordinators: HashMap<TeamId, Principal> = HashMap::new();
    let mut commands = Vec::new();
    for (team_id, name, ..) in &teams {
        let token_id = TokenId(gen.uuid());
        coordinators.insert(*team_id, Principal::Coordinator(token_id, *team_id));
        commands.push((
            admin.clone(),
            Command::IssueToken(yinling_projections::NewToken {
                token_id,
                role: Role::Coordinator,
                team_id: Some(*team_id),
                volunteer_id: None,
                scope: None,
                secret_sha256: secret_hash(&mint.secret(&token_id)),
                label: format!("{name} 协调员"),
                last_day: None,
            }),
        ));
    }
    submit_all(&app, commands, &mut progress, &mut made).await;
    progress.finish();

    // Volunteers: team sizes vary (a few big teams, many small ones); ages 55 to 85.
    let weights: Vec<f64> = (0..teams.len())
        .map(|_| 0.3 + gen.rng.gen::<f64>().powi(2) * 2.0)
        .collect();
    let weight_sum: f64 = weights.iter().sum();
    let mut members: Vec<Vec<(VolunteerId, f64)>> = vec![Vec::new(); teams.len()];
    let mut volunteers: Vec<VolunteerId> = Vec::with_capacity(args.volunteers);
    let mut commands = Vec::with_capacity(args.volunteers);
    for i in 0..args.volunteers {
        // Every team gets at least one member, the rest by weight.
        let t = if i < teams.len() {
            i
        } else {
            let mut pick = gen.rng.gen::<f64>() * weight_sum;
            let mut t = 0;
            while t + 1 < weights.len() && pick >= weights[t] {
                pick -= weights[t];
                t += 1;
            }
            t
        };
        let id = VolunteerId(gen.uuid());
        // How keen: a long tail, so some volunteers serve hundreds of hours a year.
        let keenness = 1.0 / (1.0 - gen.rng.gen::<f64>() * 0.97);
        members[t].push((id, keenness));
        volunteers.push(id);
        let age: i32 = gen.rng.gen_range(55..=85);
        commands.push((
            coordinators[&teams[t].0].clone(),
            Command::RegisterVolunteer {
                volunteer_id: id,
                name: gen.name(),
                team_id: teams[t].0,
                birth_year: u16::try_from(today.year() - age).ok(),
                consent: Some(yinling_projections::GivenConsent {
                    purpose: "志愿服务积分记录".into(),
                    notice_version: 1,
                    collected_by: format!("{}协调员", teams[t].1),
                }),
            },
        ));
    }
    let mut progress = Progress::new("volunteers", commands.len() as u64);
    submit_all(&app, commands, &mut progress, &mut made).await;
    progress.finish();
    made.volunteers = args.volunteers;

    // The 银雁协共体 of 南浔 and 松阳 with its six sub-groups; 南浔 teams join them (some a
    // third of the way in, one leaves two thirds of the way in), and the project list.
    let start_day = today
        .checked_sub_days(Days::new(u64::from(args.days)))
        .unwrap_or(today);
    let third = Days::new(u64::from(args.days) / 3);
    let group_id = GroupId(gen.uuid());
    let mut org: Vec<(Principal, Command)> = vec![(
        admin.clone(),
        Command::FoundGroup {
            group_id,
            name: "银雁协共体".into(),
            purpose: "南浔、松阳山海协作：互送技能、互鉴思路、互通资源".into(),
            founded_on: start_day,
        },
    )];
    let sub_groups: Vec<GroupId> = city::SUB_GROUPS
        .iter()
        .map(|_| GroupId(gen.uuid()))
        .collect();
    for (id, name) in sub_groups.iter().zip(city::SUB_GROUPS) {
        org.push((
            admin.clone(),
            Command::AddSubGroup {
                group_id,
                sub_group_id: *id,
                name: name.to_owned(),
                added_on: start_day,
            },
        ));
    }
    // (team index, joined on, left on)
    let mut memberships: Vec<(usize, NaiveDate, Option<NaiveDate>)> = Vec::new();
    for (i, t) in (0..teams.len())
        .filter(|t| teams[*t].2 == "南浔区")
        .enumerate()
    {
        let joined = if i % 3 == 2 {
            start_day + third
        } else {
            start_day
        };
        let left =
            (i == 1 && args.days >= MIN_DEMO_DAYS_FOR_A_LEAVER).then(|| start_day + third + third);
        org.push((
            admin.clone(),
            Command::JoinGroup {
                team_id: teams[t].0,
                group_id,
                sub_group_id: Some(sub_groups[i % sub_groups.len()]),
                joined_on: joined,
            },
        ));
        if let Some(left) = left {
            org.push((
                admin.clone(),
                Command::LeaveGroup {
                    team_id: teams[t].0,
                    group_id,
                    left_on: left,
                },
            ));
        }
        memberships.push((t, joined, left));
    }
    let group_projects: Vec<(ProjectId, &str, Category)> = city::GROUP_PROJECTS
        .iter()
        .map(|(title, c)| (ProjectId(gen.uuid()), *title, *c))
        .collect();
    for (id, title, category) in &group_projects {
        org.push((
            admin.clone(),
            Command::RegisterProject(yinling_projections::NewProject {
                project_id: *id,
                owner: ProjectOwner::Group(group_id),
                title: (*title).to_owned(),
                category: *category,
                goal: "两地联合发布志愿服务项目，银领走亲、山水共富".into(),
                starts_on: start_day,
                ends_on: None,
                status: ProjectStatus::Running,
            }),
        ));
    }
    let team_projects: Vec<ProjectId> = teams.iter().map(|_| ProjectId(gen.uuid())).collect();
    for ((team_id, name, _, category), id) in teams.iter().zip(&team_projects) {
        org.push((
            admin.clone(),
            Command::RegisterProject(yinling_projections::NewProject {
                project_id: *id,
                owner: ProjectOwner::Team(*team_id),
                title: format!("{name}常态化服务"),
                category: *category,
                goal: "每月开展活动，记录服务成效".into(),
                starts_on: start_day,
                ends_on: None,
                status: ProjectStatus::Running,
            }),
        ));
    }
    let mut progress = Progress::new("organisation", org.len() as u64);
    for command in org {
        // In order: a membership needs its group, a departure its membership.
        submit_all(&app, vec![command], &mut progress, &mut made).await;
    }
    progress.finish();
    let in_group = |t: usize, date: NaiveDate| {
        memberships
            .iter()
            .any(|(m, j, l)| *m == t && *j <= date && l.is_none_or(|l| date < l))
    };

    // Activities: about 720 per district and 11,000 participations per district per year
    // at 10,000 volunteers, scaled to the options (more services a volunteer make more
    // activities of the same size).
    let scale = args.volunteers as f64 / 10_000.0 * f64::from(args.days) / 365.0
        * (args.services_per_volunteer / DEMO_SERVICES_PER_VOLUNTEER);
    let mut hours_on: HashMap<(VolunteerId, NaiveDate), Decimal> = HashMap::new();
    let hour_choices = ["1", "1.5", "2", "2", "2.5", "3", "3", "4", "4", "6", "8"];
    let mut commands = Vec::new();
    for (district, _) in city::DISTRICTS.iter() {
        let district_teams: Vec<usize> = (0..teams.len())
            .filter(|t| teams[*t].2 == *district && !members[*t].is_empty())
            .collect();
        if district_teams.is_empty() {
            continue;
        }
        let activities = ((720.0 * scale).round() as usize).max(3);
        let participations = ((11_000.0 * scale).round() as usize).max(activities);
        let per_activity = participations as f64 / activities as f64;
        for _ in 0..activities {
            let t = district_teams[gen.rng.gen_range(0..district_teams.len())];
            let (team_id, _, _, team_category) = &teams[t];
            let category = if gen.rng.gen_bool(0.8) {
                *team_category
            } else {
                Category::ALL[gen.rng.gen_range(0..7)]
            };
            let date = today
                .checked_sub_days(Days::new(gen.rng.gen_range(1..=u64::from(args.days))))
                .unwrap_or(today);
            // Eco patrols log their service in the 垃圾分类 campaign's window under it.
            let category = if category == Category::EcoPatrol
                && *team_category == Category::EcoPatrol
                && city::in_campaign(date, today, args.days)
            {
                campaign
            } else {
                category
            };
            let want = ((per_activity * (0.5 + gen.rng.gen::<f64>())).round() as usize)
                .clamp(1, members[t].len().min(200));
            // Keen volunteers are picked more often.
            let mut pool: Vec<(f64, VolunteerId)> = members[t]
                .iter()
                .map(|(v, keen)| (gen.rng.gen::<f64>().powf(1.0 / keen), *v))
                .collect();
            pool.sort_by(|a, b| b.0.total_cmp(&a.0));
            let mut participants = Vec::with_capacity(want);
            for (_, v) in pool.into_iter().take(want) {
                let hours: Decimal = hour_choices[gen.rng.gen_range(0..hour_choices.len())]
                    .parse()
                    .unwrap_or(Decimal::ONE);
                let day = hours_on.entry((v, date)).or_default();
                if *day + hours > Decimal::from(DEMO_MAX_HOURS_A_DAY) {
                    continue;
                }
                *day += hours;
                made.hours += hours;
                participants.push(ParticipantHours {
                    volunteer_id: v,
                    hours,
                });
            }
            // One in four activities of a team in the 银雁协共体 is organised jointly with
            // another member team, whose volunteers take part too (their hours go to it).
            let mut co_organisers = Vec::new();
            if in_group(t, date) && gen.rng.gen_bool(JOINT_SHARE) {
                let partners: Vec<usize> = memberships
                    .iter()
                    .map(|(m, ..)| *m)
                    .filter(|m| *m != t && in_group(*m, date) && !members[*m].is_empty())
                    .collect();
                if let Some(&partner) = partners.choose(&mut gen.rng) {
                    co_organisers.push(teams[partner].0);
                    let guests = mistakes::guests(
                        &mut gen.rng,
                        &members[partner],
                        want.div_ceil(2),
                        date,
                        &mut hours_on,
                    );
                    made.hours += guests.iter().map(|p| p.hours).sum::<Decimal>();
                    participants.extend(guests);
                    made.joint += 1;
                }
            }
            if participants.is_empty() {
                continue;
            }
            made.participations += participants.len();
            let handled = if category == Category::Mediation {
                gen.rng.gen_range(1..=4)
            } else {
                0
            };
            let settled = (0..handled).filter(|_| gen.rng.gen_bool(0.96)).count() as u32;
            let titles: &[&str] = if category == campaign {
                &city::CAMPAIGN_TITLES
            } else {
                city::titles(category)
            };
            let roll: f64 = gen.rng.gen();
            let project_id = if in_group(t, date) && roll < 0.3 {
                Some(group_projects[gen.rng.gen_range(0..group_projects.len())].0)
            } else if roll < 0.6 {
                Some(team_projects[t])
            } else {
                None
            };
            // The year before the ledger is brought in as the city's earlier records: written
            // by the service itself, so each credit says it was imported.
            commands.push((
                Principal::System,
                Command::LogActivity(yinling_projections::NewActivity {
                    activity_id: ActivityId(gen.uuid()),
                    team_id: *team_id,
                    category,
                    date,
                    title: titles[gen.rng.gen_range(0..titles.len())].to_owned(),
                    outcomes: Outcomes {
                        people_served: gen.rng.gen_range(2..=40),
                        problems_resolved: gen.rng.gen_range(0..=3),
                        disputes_handled: handled,
                        disputes_settled: settled,
                    },
                    participants,
                    project_id,
                    co_organisers,
                    group_id: None,
                }),
            ));
        }
    }
    // Logged in date order, as coordinators would, so "as of" views move through the year.
    commands.sort_by_key(|(_, c)| match c {
        Command::LogActivity(yinling_projections::NewActivity { date, .. }) => *date,
        _ => NaiveDate::MIN,
    });
    let coordinator_of = |team: &TeamId| coordinators.get(team).cloned().unwrap_or(admin.clone());
    let (corrections, reversals) = mistakes::sample(&mut gen.rng, &commands, coordinator_of);
    let late = mistakes::late_entries(admin.clone(), &commands, today, coordinator_of, || {
        ActivityId(gen.uuid())
    });
    made.activities = commands.len();
    made.reversals = reversals.len();
    let mut progress = Progress::new("activities", commands.len() as u64);
    submit_all(&app, commands, &mut progress, &mut made).await;
    progress.finish();
    made.corrections = corrections.len();
    let mut progress = Progress::new("corrections", corrections.len() as u64);
    submit_all(&app, corrections, &mut progress, &mut made).await;
    progress.finish();
    let mut progress = Progress::new("reversals", reversals.len() as u64);
    submit_all(&app, reversals, &mut progress, &mut made).await;
    progress.finish();
    let mut progress = Progress::new(
        "back-filled",
        late.iter().map(Vec::len).sum::<usize>() as u64,
    );
    made.backfilled = late[1].len();
    for step in late {
        submit_all(&app, step, &mut progress, &mut made).await;
    }
    progress.finish();

    // Half the stars reached are confirmed after their notice; the rest stay on it.
    let confirmations: Vec<_> = city::confirmations(&app.engine.read())
        .into_iter()
        .map(|c| (admin.clone(), c))
        .collect();
    let mut progress = Progress::new("stars confirmed", confirmations.len() as u64);
    submit_all(&app, confirmations, &mut progress, &mut made).await;
    progress.finish();

    station::e_stations(
        &app,
        &mut gen,
        &admin,
        &volunteers,
        args.volunteers,
        &mut made,
    )
    .await;

    trust::trust_loop(&app, &mut gen, &admin, &coordinators, &mut made).await;
    trust::confirmations(&app, &coordinators, &mut made).await;

    let (head, totals) = {
        let state = app.engine.read();
        made.points = state.totals.points_earned;
        made.redeemed_points = state.totals.points_redeemed;
        (state.head, state.totals.clone())
    };
    let coordinator_example = teams.first().and_then(|(t, name, ..)| {
        let Principal::Coordinator(token, _) = coordinators.get(t)? else {
            return None;
        };
        Some((name.clone(), mint.secret(token)))
    });
    app.engine.shutdown().await;
    let elapsed = started.elapsed().as_secs_f64();
    summary::print(&args.data, &made, (head, &totals), elapsed);
    if let Some(secret) = printed {
        say!("admin token (shown once, keep it safe): {secret}");
    }
    if let Some((team, secret)) = coordinator_example {
        say!("coordinator token of {team}: {secret}");
    }
    Ok(std::process::ExitCode::SUCCESS)
}
