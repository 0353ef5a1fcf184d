//! Joint activities (联合活动) over HTTP: teams of one group organise one activity, logged
//! once; each participant's hours go to their own team; every figure (team, district, group,
//! city, rankings) counts the activity once per subject and each participant once; what is
//! not a joint activity is refused with the reason and appends nothing; the co-organiser's
//! coordinator sees it and corrects their own people, only the team that logged it reverses it.

mod common;

use common::*;
use serde_json::{json, Value};

struct Joint {
    city: City,
    /// A second 南浔 team in the group.
    neighbour: String,
    neighbour_coordinator: Client,
    /// A 南浔 team outside the group.
    outside: String,
    group: String,
    /// Volunteers: two of the city's team, one of the 安吉 team, one of the neighbour, one
    /// of the team outside.
    v: [String; 5],
}

async fn joint_city(server: &Server) -> Joint {
    let city = City::build(server, 2).await;
    let a = &city.admin;
    let team = |name: &str| json!({"name": name, "district": "南浔区", "category": "elder_care"});
    let neighbour = a.post("/v1/teams", team("和孚银龄互助队")).await.id();
    let outside = a.post("/v1/teams", team("练市夕阳红服务队")).await.id();
    let neighbour_coordinator =
        server.client(&token(a, json!({"role": "coordinator", "team_id": neighbour})).await);
    let group = a
        .post(
            "/v1/groups",
            json!({"name": "银雁协共体", "founded_on": days_ago(60)}),
        )
        .await
        .id();
    for t in [&city.team, &city.other_team, &neighbour] {
        a.post(
            &format!("/v1/groups/{group}/members"),
            json!({"team_id": t, "joined_on": days_ago(30)}),
        )
        .await
        .ok();
    }
    let join = |t: &str, name: &str| json!({"name": name, "team_id": t});
    let v4 = a
        .post("/v1/volunteers", join(&neighbour, "沈阿姨"))
        .await
        .id();
    let v5 = a
        .post("/v1/volunteers", join(&outside, "钱师傅"))
        .await
        .id();
    let v = [
        city.volunteers[0].clone(),
        city.volunteers[1].clone(),
        city.outsider.clone(),
        v4,
        v5,
    ];
    Joint {
        city,
        neighbour,
        neighbour_coordinator,
        outside,
        group,
        v,
    }
}

fn activity(j: &Joint, co: &[&str], people: &[(&str, &str)], date: &str) -> Value {
    json!({
        "team_id": j.city.team, "category": "elder_care", "date": date, "title": "两地联合敬老助餐",
        "co_organisers": co,
        "participants": people.iter().map(|(v, h)| json!({"volunteer_id": v, "hours": h})).collect::<Vec<_>>(),
        "outcomes": {"people_served": 30}
    })
}

async fn figures(c: &Client, subject: &str, id: &str, day: &str) -> Value {
    let id = if id.is_empty() {
        String::new()
    } else {
        format!("&id={id}")
    };
    c.get(&format!(
        "/v1/evaluation?subject={subject}{id}&from={day}&to={day}"
    ))
    .await
    .ok()["figures"]
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_joint_activity_is_counted_once_per_subject_and_each_hour_with_its_own_team() {
    let server = Server::start();
    let j = joint_city(&server).await;
    let (a, c) = (&j.city.admin, &j.city.coordinator);
    let day = days_ago(5);
    let [v0, v1, anji, shen, qian] = j.v.clone();

    // What is not a joint activity is refused, naming why; nothing is appended.
    let refused = [
        (
            activity(&j, &[&j.outside], &[(&v0, "2")], &day),
            422,
            "were not all members of one group",
        ),
        (
            activity(&j, &[&j.city.other_team], &[(&qian, "2")], &day),
            422,
            "not a member of any of the organising teams",
        ),
        (
            activity(&j, &[&j.city.team], &[(&v0, "2")], &day),
            422,
            "co_organisers[0]",
        ),
        (
            activity(&j, &[&j.city.other_team], &[(&v0, "2")], &days_ago(40)),
            422,
            "were not all members of one group",
        ),
        (
            activity(
                &j,
                &["0193a4c2-7b1e-7c3d-9f00-1a2b3c4d5e6f"],
                &[(&v0, "2")],
                &day,
            ),
            404,
            "team",
        ),
        (
            activity(&j, &["安吉"], &[(&v0, "2")], &day),
            422,
            "co_organisers[0]",
        ),
    ];
    for (body, status, words) in refused {
        let before = a.head_seq().await;
        let reply = c.post("/v1/activities", body).await;
        let problem = reply.problem(status);
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains(words)),
            "{problem}"
        );
        assert_eq!(a.head_seq().await, before, "a refusal appended events");
    }

    // 南浔 (two teams) and 安吉 organise one activity; four people from three teams.
    let logged = c
        .post(
            "/v1/activities",
            activity(
                &j,
                &[&j.city.other_team, &j.neighbour],
                &[(&v0, "2"), (&v1, "1.5"), (&anji, "3"), (&shen, "4")],
                &day,
            ),
        )
        .await
        .ok();
    let id = logged["id"].as_str().expect("id").to_owned();
    assert_eq!(logged["group_id"], j.group.as_str());
    assert_eq!(
        logged["co_organisers"],
        json!([j.city.other_team, j.neighbour])
    );
    let team_of = |p: &Value| p["team_id"].as_str().expect("team").to_owned();
    let credited: Vec<String> = logged["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .map(team_of)
        .collect();
    assert_eq!(
        credited,
        [
            j.city.team.clone(),
            j.city.team.clone(),
            j.city.other_team.clone(),
            j.neighbour.clone()
        ]
    );
    // The activity as the fold keeps it credits the same teams (a partner team's entry is
    // kept apart from the activity's own team and district).
    let kept = a.get(&format!("/v1/activities/{id}")).await.ok();
    let kept: Vec<String> = kept["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .map(team_of)
        .collect();
    assert_eq!(kept, credited);

    // Every subject counts the activity once, and each person's hours with their own team.
    let expect = |f: &Value, activities: u64, times: u64, hours: &str, served: u64| {
        assert_eq!(f["activities"], activities, "{f}");
        assert_eq!(f["participant_times"], times, "{f}");
        assert_eq!(f["hours"], hours, "{f}");
        assert_eq!(f["people_served"], served, "{f}");
    };
    expect(
        &figures(a, "team", &j.city.team, &day).await,
        1,
        2,
        "3.5",
        30,
    );
    expect(
        &figures(a, "team", &j.city.other_team, &day).await,
        1,
        1,
        "3",
        30,
    );
    expect(&figures(a, "team", &j.neighbour, &day).await, 1, 1, "4", 30);
    expect(&figures(a, "team", &j.outside, &day).await, 0, 0, "0", 0);
    expect(
        &figures(a, "district", "南浔区", &day).await,
        1,
        3,
        "7.5",
        30,
    );
    expect(&figures(a, "district", "安吉县", &day).await, 1, 1, "3", 30);
    expect(&figures(a, "group", &j.group, &day).await, 1, 4, "10.5", 30);
    expect(&figures(a, "city", "", &day).await, 1, 4, "10.5", 30);
    let ranking = a
        .get(&format!("/v1/rankings/teams?by=hours&from={day}&to={day}"))
        .await
        .ok();
    let hours_of = |team: &str| {
        ranking["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|r| r["id"] == team)
            .map(|r| r["hours"].clone())
    };
    assert_eq!(hours_of(&j.city.team), Some(json!("3.5")));
    assert_eq!(hours_of(&j.city.other_team), Some(json!("3")));
    assert_eq!(hours_of(&j.neighbour), Some(json!("4")));
    let tally = |t: Value| t["tally"].clone();
    let neighbour = tally(a.get(&format!("/v1/teams/{}", j.neighbour)).await.ok());
    assert_eq!(neighbour["activities"], 1, "{neighbour}");
    assert_eq!(neighbour["hours"], "4", "{neighbour}");

    // The co-organisers' coordinators see it in their lists; the team outside does not.
    let other = &j.city.other_coordinator;
    other.get(&format!("/v1/activities/{id}")).await.ok();
    let listed = other
        .get(&format!("/v1/activities?team_id={}", j.city.other_team))
        .await
        .ok();
    assert!(listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|x| x["id"] == id.as_str()));
    let outside_coordinator =
        server.client(&token(a, json!({"role": "coordinator", "team_id": j.outside})).await);
    outside_coordinator
        .get(&format!("/v1/activities/{id}"))
        .await
        .problem(403);

    // A co-organiser's coordinator corrects their own people, not the others', and cannot
    // reverse what another team logged.
    let correction = |v: &str| format!("/v1/activities/{id}/participants/{v}/correction");
    j.neighbour_coordinator
        .post(
            &correction(&shen),
            json!({"hours": "3", "reason": "提前离开"}),
        )
        .await
        .ok();
    j.neighbour_coordinator
        .post(
            &correction(&v0),
            json!({"hours": "1", "reason": "不是我们队的"}),
        )
        .await
        .problem(403);
    other
        .post(
            &format!("/v1/activities/{id}/reversal"),
            json!({"reason": "不是我们登记的"}),
        )
        .await
        .problem(403);
    // The lead team's coordinator corrects from the web: a partner team's people are listed
    // with their names masked, as everywhere else, and their numbers.
    let browser = common::web::Browser::new(&server, &c.token.clone().expect("token"));
    let page = browser
        .get(&format!("/team/activities/{id}/correct"))
        .await
        .text()
        .await
        .expect("the correction page");
    assert!(page.contains("沈*姨 · "), "{page}");
    assert!(
        !page.contains("沈阿姨"),
        "a partner's member by full name: {page}"
    );
    expect(&figures(a, "team", &j.neighbour, &day).await, 1, 1, "3", 30);
    expect(
        &figures(a, "district", "南浔区", &day).await,
        1,
        3,
        "6.5",
        30,
    );

    // Reversed by the team that logged it: every subject is back to nothing.
    c.post(
        &format!("/v1/activities/{id}/reversal"),
        json!({"reason": "重复登记"}),
    )
    .await
    .ok();
    for (subject, who) in [
        ("team", j.city.team.as_str()),
        ("team", j.city.other_team.as_str()),
        ("team", j.neighbour.as_str()),
        ("district", "南浔区"),
        ("district", "安吉县"),
        ("group", j.group.as_str()),
    ] {
        expect(&figures(a, subject, who, &day).await, 0, 0, "0", 0);
    }
    let neighbour = tally(a.get(&format!("/v1/teams/{}", j.neighbour)).await.ok());
    assert_eq!(neighbour["activities"], 0, "{neighbour}");
    let district = a.get("/v1/districts").await.ok();
    let anji_tally = district["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|d| d["name"] == "安吉县")
        .map(|d| d["tally"].clone())
        .expect("安吉县");
    assert_eq!(anji_tally["activities"], 0, "{anji_tally}");
}

/// The lead coordinator of a joint activity is told that a partner team's volunteer would go
/// over the hours a day allows, not how many hours that volunteer already has: another team's
/// figures are that team's (their own coordinator is told the figure).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_gives_a_partner_teams_figures_only_to_their_own_coordinator() {
    let server = Server::start();
    let j = joint_city(&server).await;
    let (a, c) = (&j.city.admin, &j.city.coordinator);
    let day = days_ago(3);
    let shen = j.v[3].clone();
    j.neighbour_coordinator
        .post(
            "/v1/activities",
            json!({
                "team_id": j.neighbour, "category": "elder_care", "date": day, "title": "陪护",
                "participants": [{"volunteer_id": shen, "hours": "19.5"}],
            }),
        )
        .await
        .ok();
    let before = a.head_seq().await;
    let lead = c
        .post(
            "/v1/activities",
            activity(&j, &[&j.neighbour], &[(&shen, "6")], &day),
        )
        .await;
    let body = lead.problem(422);
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(
        ["day_over_24_hours", "over_rule_daily_cap"].contains(&body["code"].as_str().unwrap_or("")),
        "{body}"
    );
    assert!(
        !detail.contains("19.5") && !detail.contains("25.5"),
        "{detail}"
    );
    assert_eq!(a.head_seq().await, before, "a refusal appends nothing");
    let own = j
        .neighbour_coordinator
        .post(
            "/v1/activities",
            json!({
                "team_id": j.neighbour, "category": "elder_care", "date": day, "title": "陪护",
                "participants": [{"volunteer_id": shen, "hours": "6"}],
            }),
        )
        .await;
    let detail = own.problem(422)["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(detail.contains("19.5"), "{detail}");
}
