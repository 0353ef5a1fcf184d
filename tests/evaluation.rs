//! Performance evaluation over HTTP on the demo city: every figure `GET /v1/evaluation` gives
//! for the city, each team, district, group, sub-group and project equals a naive recount of
//! the public event feed (a joint activity counts once for each team, district and group
//! that organised it, and each participant's hours with their own team); group and district rankings agree with it; and publishing new
//! scoring weights changes reports from then on while reports as of the past stay as they were.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::demo::{demo_city, feed};
use common::*;
use rust_decimal::Decimal;
use serde_json::{json, Value};

fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("string: {v}"))
        .to_owned()
}

fn day(v: &Value) -> NaiveDate {
    NaiveDate::parse_from_str(&s(v), "%Y-%m-%d").expect("date")
}

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(&s(v)).expect("decimal")
}

/// The service's civil day (UTC+8) of a recorded_at instant.
fn local_day(v: &Value) -> NaiveDate {
    let t: DateTime<Utc> = s(v).parse().expect("rfc3339");
    (t + Duration::hours(8)).date_naive()
}

#[derive(Default, Debug, PartialEq)]
struct Naive {
    activities: u64,
    participant_times: u64,
    volunteers: BTreeSet<String>,
    hours: Decimal,
    points: Decimal,
    people_served: u64,
    problems_resolved: u64,
    disputes_handled: u64,
    disputes_settled: u64,
    redemptions: u64,
    redemption_points: Decimal,
}

struct Activity {
    /// The organising teams and their districts, the logging team first.
    teams: Vec<(String, String)>,
    date: NaiveDate,
    project: Option<String>,
    outcomes: Value,
}

struct Membership {
    team: String,
    sub: Option<String>,
    joined: NaiveDate,
    left: Option<NaiveDate>,
}

struct Service {
    activity: String,
    volunteer: String,
    hours: Decimal,
    points: Decimal,
    team: String,
    district: String,
}

/// Everything the recount needs, read straight from the feed.
#[derive(Default)]
struct Recount {
    activities: BTreeMap<String, Activity>,
    /// Activity, volunteer, hours, points, the team credited and its district.
    services: Vec<Service>,
    reversed: BTreeSet<String>,
    parents: BTreeMap<String, Option<String>>,
    memberships: BTreeMap<String, Vec<Membership>>,
    held: BTreeMap<String, (String, String, Decimal)>,
    fulfilled: Vec<(String, NaiveDate)>,
    teams: Vec<String>,
    districts: Vec<String>,
    projects: Vec<String>,
    left_groups: usize,
    joint: usize,
}

impl Recount {
    fn of(events: &[Value]) -> Self {
        let mut r = Recount::default();
        for e in events {
            let d = &e["data"];
            match e["type"].as_str().expect("type") {
                "TeamRegistered" => r.teams.push(s(&d["team_id"])),
                "DistrictRegistered" => r.districts.push(s(&d["name"])),
                "ProjectRegistered" => r.projects.push(s(&d["project_id"])),
                "GroupFounded" => {
                    r.parents.insert(s(&d["group_id"]), None);
                }
                "SubGroupAdded" => {
                    r.parents
                        .insert(s(&d["sub_group_id"]), Some(s(&d["group_id"])));
                }
                "TeamJoinedGroup" => {
                    r.memberships
                        .entry(s(&d["group_id"]))
                        .or_default()
                        .push(Membership {
                            team: s(&d["team_id"]),
                            sub: d["sub_group_id"].as_str().map(str::to_owned),
                            joined: day(&d["joined_on"]),
                            left: None,
                        })
                }
                "TeamLeftGroup" => {
                    let team = s(&d["team_id"]);
                    let open = r
                        .memberships
                        .get_mut(&s(&d["group_id"]))
                        .and_then(|ms| {
                            ms.iter_mut()
                                .rev()
                                .find(|m| m.team == team && m.left.is_none())
                        })
                        .expect("left an open membership");
                    open.left = Some(day(&d["left_on"]));
                    r.left_groups += 1;
                }
                "ActivityLogged" => {
                    r.activities.insert(
                        s(&d["activity_id"]),
                        Activity {
                            teams: vec![(s(&d["team_id"]), s(&d["district"]))],
                            date: day(&d["date"]),
                            project: None,
                            outcomes: d["outcomes"].clone(),
                        },
                    );
                }
                "ActivityInProject" => {
                    if let Some(a) = r.activities.get_mut(&s(&d["activity_id"])) {
                        a.project = Some(s(&d["project_id"]));
                    }
                }
                "ActivityCoOrganised" => {
                    if let Some(a) = r.activities.get_mut(&s(&d["activity_id"])) {
                        for t in d["teams"].as_array().expect("teams") {
                            a.teams.push((s(&t["team_id"]), s(&t["district"])));
                        }
                        r.joint += 1;
                    }
                }
                "ServiceLogged" => r.services.push(Service {
                    activity: s(&d["activity_id"]),
                    volunteer: s(&d["volunteer_id"]),
                    hours: dec(&d["hours"]),
                    points: dec(&d["points"]),
                    team: s(&d["team_id"]),
                    district: s(&d["district"]),
                }),
                "ServiceReversed" => {
                    r.reversed.insert(s(&d["activity_id"]));
                }
                "ServiceCorrected" => {
                    // One participant's hours and points become the corrected ones; at 0
                    // they no longer took part.
                    let (aid, vid) = (s(&d["activity_id"]), s(&d["volunteer_id"]));
                    let at = r
                        .services
                        .iter()
                        .position(|x| x.activity == aid && x.volunteer == vid)
                        .expect("a correction of a logged participant");
                    let hours = dec(&d["hours_after"]);
                    if hours.is_zero() {
                        r.services.remove(at);
                    } else {
                        r.services[at].hours = hours;
                        r.services[at].points = dec(&d["points_after"]);
                    }
                }
                "RedemptionHeld" | "RedemptionHeldAt" | "RedemptionHeldForPickup" => {
                    // A hold at a named station carries the hold itself inside.
                    let h = if d["held"].is_object() { &d["held"] } else { d };
                    r.held.insert(
                        s(&h["redemption_id"]),
                        (s(&h["team_id"]), s(&h["district"]), dec(&h["points"])),
                    );
                }
                "RedemptionFulfilled" => r
                    .fulfilled
                    .push((s(&d["redemption_id"]), local_day(&e["recorded_at"]))),
                _ => {}
            }
        }
        r
    }

    /// Whether `team` was in `group` (a group or a sub-group) on `date`.
    fn member(&self, team: &str, group: &str, date: NaiveDate) -> bool {
        let (top, sub) = match self.parents.get(group) {
            Some(Some(parent)) => (parent.as_str(), Some(group)),
            _ => (group, None),
        };
        self.memberships.get(top).is_some_and(|ms| {
            ms.iter().any(|m| {
                m.team == team
                    && sub.is_none_or(|s| m.sub.as_deref() == Some(s))
                    && m.joined <= date
                    && m.left.is_none_or(|l| date < l)
            })
        })
    }

    fn counts(&self, kind: &str, id: &str, team: &str, district: &str, date: NaiveDate) -> bool {
        match kind {
            "city" => true,
            "team" => team == id,
            "district" => district == id,
            "group" => self.member(team, id, date),
            _ => false,
        }
    }

    fn figures(
        &self,
        kind: &str,
        id: &str,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Naive {
        let within = |d: NaiveDate| from.is_none_or(|f| d >= f) && to.is_none_or(|t| d <= t);
        let mut n = Naive::default();
        // The activity counts once if any organising team belongs to the subject.
        let included = |aid: &str, a: &Activity| {
            !self.reversed.contains(aid)
                && within(a.date)
                && if kind == "project" {
                    a.project.as_deref() == Some(id)
                } else {
                    a.teams
                        .iter()
                        .any(|(team, district)| self.counts(kind, id, team, district, a.date))
                }
        };
        // A participant counts with the team their entry credited.
        let part = |x: &Service| {
            let a = &self.activities[&x.activity];
            !self.reversed.contains(&x.activity)
                && within(a.date)
                && if kind == "project" {
                    a.project.as_deref() == Some(id)
                } else {
                    self.counts(kind, id, &x.team, &x.district, a.date)
                }
        };
        for (aid, a) in &self.activities {
            if included(aid, a) {
                n.activities += 1;
                let o = &a.outcomes;
                let num = |k: &str| o[k].as_u64().expect("outcome");
                n.people_served += num("people_served");
                n.problems_resolved += num("problems_resolved");
                n.disputes_handled += num("disputes_handled");
                n.disputes_settled += num("disputes_settled");
            }
        }
        for x in &self.services {
            if part(x) {
                n.participant_times += 1;
                n.volunteers.insert(x.volunteer.clone());
                n.hours += x.hours;
                n.points += x.points;
            }
        }
        if kind != "project" {
            for (rid, on) in &self.fulfilled {
                let (team, district, points) = &self.held[rid];
                if within(*on) && self.counts(kind, id, team, district, *on) {
                    n.redemptions += 1;
                    n.redemption_points += points;
                }
            }
        }
        n
    }
}

fn check(label: &str, api: &Value, n: &Naive) {
    let f = &api["figures"];
    let int = |k: &str| {
        f[k].as_u64()
            .unwrap_or_else(|| panic!("{label}: {k} in {f}"))
    };
    assert_eq!(int("activities"), n.activities, "{label} activities");
    assert_eq!(int("participant_times"), n.participant_times, "{label}");
    assert_eq!(
        int("active_volunteers"),
        n.volunteers.len() as u64,
        "{label}"
    );
    assert_eq!(dec(&f["hours"]), n.hours, "{label} hours");
    assert_eq!(dec(&f["points"]), n.points, "{label} points");
    assert_eq!(int("people_served"), n.people_served, "{label}");
    assert_eq!(int("problems_resolved"), n.problems_resolved, "{label}");
    assert_eq!(int("disputes_handled"), n.disputes_handled, "{label}");
    assert_eq!(int("disputes_settled"), n.disputes_settled, "{label}");
    assert_eq!(int("redemptions"), n.redemptions, "{label} redemptions");
    assert_eq!(
        dec(&f["redemption_points"]),
        n.redemption_points,
        "{label} redemption points"
    );
    if n.disputes_handled == 0 {
        assert!(f["settlement_rate"].is_null(), "{label}: {f}");
    } else {
        let rate =
            (Decimal::from(n.disputes_settled) / Decimal::from(n.disputes_handled)).round_dp(4);
        assert_eq!(dec(&f["settlement_rate"]), rate, "{label} settlement rate");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evaluation_figures_match_a_naive_recount_of_the_event_feed_on_the_demo_city() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = demo_city(&tmp.path().join("city"));
    let admin = server.client(ADMIN);
    let auditor = token(&admin, json!({"role": "auditor"})).await;
    let auditor = server.client(&auditor);
    let events = feed(&auditor).await;
    let r = Recount::of(&events);
    // The demo exercises what the recount checks.
    assert!(r.left_groups > 0, "a team left a group");
    assert!(
        r.joint > 0,
        "teams of the group organised activities jointly"
    );
    assert!(r.activities.values().any(|a| a.project.is_some()));
    assert!(!r.reversed.is_empty(), "some activities were reversed");
    assert!(!r.fulfilled.is_empty(), "some redemptions were handed over");
    assert!(r.parents.values().filter(|p| p.is_some()).count() >= 6);

    let today = Utc::now().date_naive();
    let periods = [
        (None, None),
        (
            Some(today - Duration::days(150)),
            Some(today - Duration::days(60)),
        ),
    ];
    let mut subjects = vec![("city".to_owned(), String::new())];
    subjects.extend(r.teams.iter().map(|t| ("team".to_owned(), t.clone())));
    subjects.extend(
        r.districts
            .iter()
            .map(|d| ("district".to_owned(), d.clone())),
    );
    subjects.extend(r.parents.keys().map(|g| ("group".to_owned(), g.clone())));
    subjects.extend(r.projects.iter().map(|p| ("project".to_owned(), p.clone())));
    let mut disputes = 0;
    for (from, to) in periods {
        let mut query = String::new();
        if let Some(f) = from {
            query.push_str(&format!("&from={f}"));
        }
        if let Some(t) = to {
            query.push_str(&format!("&to={t}"));
        }
        for (kind, id) in &subjects {
            let path = format!("/v1/evaluation?subject={kind}&id={id}{query}");
            let api = auditor.get(&path).await.ok();
            let naive = r.figures(kind, id, from, to);
            disputes += naive.disputes_handled;
            check(&path, &api, &naive);
        }
        // Group and district rankings count the same hours and points as the evaluation.
        for (what, kind) in [("groups", "group"), ("districts", "district")] {
            let ranking = auditor
                .get(&format!("/v1/rankings/{what}?limit=100{query}"))
                .await
                .ok();
            let rows = ranking["items"].as_array().expect("items");
            assert!(!rows.is_empty(), "{what} ranked");
            for row in rows {
                let n = r.figures(kind, &s(&row["id"]), from, to);
                assert_eq!(dec(&row["hours"]), n.hours, "{what} {row}");
                assert_eq!(dec(&row["points"]), n.points, "{what} {row}");
            }
        }
    }
    assert!(disputes > 0, "the demo mediates disputes");
}

fn hours_only() -> Value {
    json!({"per_activity": "0", "per_participant_time": "0", "per_active_volunteer": "0",
           "per_hour": "10", "per_person_served": "0", "per_problem_resolved": "0",
           "per_dispute_settled": "0"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_scoring_weights_change_reports_from_then_on_and_leave_past_reports_as_they_were() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = demo_city(&tmp.path().join("city"));
    let admin = server.client(ADMIN);
    let teams = admin.get("/v1/teams").await.ok();
    let team = s(&teams["items"][0]["id"]);
    let coordinator = token(&admin, json!({"role": "coordinator", "team_id": team})).await;
    let before = admin.get("/v1/evaluation/teams").await.ok();
    let seq = before["as_of"].as_u64().expect("as_of");
    assert_eq!(before["scoring_version"], 0);

    // Only an administrator publishes weights, and nonsense is refused without an event.
    let refused = server
        .client(&coordinator)
        .send(reqwest::Method::PUT, "/v1/scoring", Some(hours_only()), &[])
        .await;
    assert_eq!(refused.status.as_u16(), 403);
    let mut negative = hours_only();
    negative["per_hour"] = json!("-1");
    let refused = admin
        .send(reqwest::Method::PUT, "/v1/scoring", Some(negative), &[])
        .await;
    assert_eq!(refused.status.as_u16(), 422, "{:?}", refused.body);
    assert!(s(&refused.body["detail"]).contains("per_hour"));
    assert_eq!(admin.get("/v1/audit/head").await.ok()["seq"], seq);

    let published = admin
        .send(reqwest::Method::PUT, "/v1/scoring", Some(hours_only()), &[])
        .await
        .ok();
    assert_eq!(published["version"], 1);
    let after = admin.get("/v1/evaluation/teams").await.ok();
    assert_eq!(after["scoring_version"], 1);
    for row in after["items"].as_array().expect("items") {
        assert_eq!(
            dec(&row["score"]),
            (dec(&row["figures"]["hours"]) * Decimal::from(10)).normalize(),
            "{row}"
        );
    }
    let mut previous = None;
    for row in after["items"].as_array().expect("items") {
        let score = dec(&row["score"]);
        assert!(
            previous.is_none_or(|p| p >= score),
            "ranked by the new score"
        );
        previous = Some(score);
    }

    // As of the seq before the change, the report is exactly what it was.
    let past = admin
        .get(&format!("/v1/evaluation/teams?as_of={seq}"))
        .await
        .ok();
    assert_eq!(past, before);
    assert_eq!(
        admin.get(&format!("/v1/scoring?as_of={seq}")).await.ok()["version"],
        0
    );
    let one_team = format!("/v1/evaluation?subject=team&id={team}");
    let now = admin.get(&one_team).await.ok();
    let then = admin.get(&format!("{one_team}&as_of={seq}")).await.ok();
    assert_eq!(now["figures"], then["figures"], "the facts did not change");
    assert_eq!(then["scoring_version"], 0);
    assert_eq!(now["scoring_version"], 1);
}

/// A page of the web app fetched as a signed-in browser would.
async fn web(server: &Server, token: &str, path: &str, lang: &str) -> (u16, String, String) {
    let cookie = format!(
        "yl_session={}; yl_lang={lang}",
        token
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let resp = reqwest::Client::new()
        .get(format!("{}{}", server.base, path))
        .header("Cookie", cookie)
        .send()
        .await
        .expect("web page");
    let status = resp.status().as_u16();
    let kind = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, kind, resp.text().await.expect("text"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_app_shows_the_evaluation_the_projects_and_a_spreadsheet_of_the_same_figures() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = demo_city(&tmp.path().join("city"));
    let admin = server.client(ADMIN);
    let auditor = token(&admin, json!({"role": "auditor"})).await;
    let (status, _, html) = web(&server, &auditor, "/evaluation", "zh").await;
    assert_eq!(status, 200);
    for words in [
        "队伍绩效排名",
        "各区县",
        "银雁协共体",
        "项目清单",
        "第 0 版评分公式",
    ] {
        assert!(html.contains(words), "{words} missing");
    }
    let teams = admin.get("/v1/teams").await.ok();
    for t in teams["items"].as_array().expect("teams") {
        assert!(html.contains(&s(&t["name"])), "{t}");
    }

    // The spreadsheet holds the API's ranking, row for row.
    let year = Utc::now().date_naive().format("%Y").to_string();
    let today = Utc::now().date_naive();
    let period = format!("from={year}-01-01&to={today}");
    let (status, kind, csv) = web(
        &server,
        &auditor,
        &format!("/evaluation.csv?{period}"),
        "en",
    )
    .await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/csv"), "{kind}");
    assert!(csv.starts_with('\u{feff}'), "a BOM for Excel");
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    assert!(lines
        .next()
        .expect("header")
        .starts_with("rank,team_id,team,district,score,activities"));
    let api = admin
        .get(&format!("/v1/evaluation/teams?{period}"))
        .await
        .ok();
    let rows: Vec<&str> = lines.collect();
    let items = api["items"].as_array().expect("items");
    assert_eq!(rows.len(), items.len());
    for (row, item) in rows.iter().zip(items) {
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(cells[1], s(&item["team_id"]));
        assert_eq!(cells[4], s(&item["score"]));
        assert_eq!(cells[8], s(&item["figures"]["hours"]));
    }
    let (_, _, zh) = web(&server, &auditor, "/evaluation.csv", "zh").await;
    assert!(zh.starts_with("\u{feff}名次,队伍编号,队伍,区县,绩效得分"));

    // A project's page: its activities, volunteers, hours and outcomes.
    let projects = admin.get("/v1/projects").await.ok();
    let busiest = projects["items"]
        .as_array()
        .expect("projects")
        .iter()
        .max_by_key(|p| p["activities"].as_u64())
        .expect("a project");
    let id = s(&busiest["id"]);
    let detail = admin.get(&format!("/v1/projects/{id}")).await.ok();
    let (status, _, page) = web(&server, &auditor, &format!("/projects/{id}"), "zh").await;
    assert_eq!(status, 200);
    assert!(page.contains(&s(&busiest["title"])));
    let activities = detail["figures"]["activities"].as_u64().expect("n");
    assert!(activities > 0);
    assert!(
        page.contains(&format!("活动（{activities}）")),
        "activity count shown"
    );
    assert!(page.contains(&format!("<td>{}</td>", s(&detail["figures"]["hours"]))));

    // Mistakes read as sentences; pages are for staff only.
    let (status, _, page) = web(&server, &auditor, "/evaluation?from=2026-02-30", "zh").await;
    assert_eq!(status, 400);
    assert!(page.contains("“2026-02-30”不是有效的日期"), "{page}");
    let (status, _, _) = web(&server, &auditor, "/projects/not-a-project", "zh").await;
    assert_eq!(status, 404);
    let volunteers = admin.get("/v1/volunteers?limit=1").await.ok();
    let volunteer = s(&volunteers["items"][0]["id"]);
    let card = token(
        &admin,
        json!({"role": "volunteer", "volunteer_id": volunteer}),
    )
    .await;
    let (status, _, _) = web(&server, &card, "/evaluation", "zh").await;
    assert_eq!(status, 403);
}
