//! The group coordinator (e.g. of 银雁协共体): a token bound to one group, which lists the
//! volunteers of its member teams, logs their joint activities (and corrects or reverses
//! them), changes the group's memberships and registers its projects; nothing of a team's
//! own, nothing of another group. Over HTTP and in the web app.

mod common;

use common::*;
use serde_json::{json, Value};

struct Setup {
    city: City,
    group: String,
    other_group: String,
    /// A 南浔 team outside the group.
    outside: String,
    gc: Client,
    gc_token: String,
    other_gc: Client,
}

async fn setup(server: &Server) -> Setup {
    let city = City::build(server, 2).await;
    let a = &city.admin;
    let found = |name: &str| json!({"name": name, "founded_on": days_ago(90)});
    let group = a.post("/v1/groups", found("银雁协共体")).await.id();
    let other_group = a.post("/v1/groups", found("太湖协作体")).await.id();
    for t in [&city.team, &city.other_team] {
        a.post(
            &format!("/v1/groups/{group}/members"),
            json!({"team_id": t, "joined_on": days_ago(30)}),
        )
        .await
        .ok();
    }
    let outside = a
        .post(
            "/v1/teams",
            json!({"name": "练市夕阳红服务队", "district": "南浔区", "category": "elder_care"}),
        )
        .await
        .id();
    a.post(
        "/v1/volunteers",
        json!({"name": "钱师傅", "team_id": outside}),
    )
    .await
    .ok();
    let gc_token = token(
        a,
        json!({"role": "group_coordinator", "group_id": group, "label": "银雁协共体秘书处"}),
    )
    .await;
    let gc = server.client(&gc_token);
    let other_gc = server.client(
        &token(
            a,
            json!({"role": "group_coordinator", "group_id": other_group}),
        )
        .await,
    );
    Setup {
        city,
        group,
        other_group,
        outside,
        gc,
        gc_token,
        other_gc,
    }
}

fn joint(s: &Setup, co: &[&str], people: &[&str]) -> Value {
    json!({"team_id": s.city.team, "category": "culture_tourism", "date": days_ago(3), "title": "两地文旅交流",
           "co_organisers": co,
           "participants": people.iter().map(|v| json!({"volunteer_id": v, "hours": "2"})).collect::<Vec<_>>()})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_coordinator_runs_the_groups_joint_activities_memberships_and_projects_only() {
    let server = Server::start();
    let s = setup(&server).await;
    let (a, gc) = (&s.city.admin, &s.gc);
    let v0 = s.city.volunteers[0].clone();
    let anji = s.city.outsider.clone();

    // The scope is checked when the token is issued.
    for (body, words) in [
        (json!({"role": "group_coordinator"}), "needs group_id"),
        (
            json!({"role": "group_coordinator", "group_id": s.group, "team_id": s.city.team}),
            "neither team_id",
        ),
        (
            json!({"role": "coordinator", "team_id": s.city.team, "group_id": s.group}),
            "only a group coordinator",
        ),
    ] {
        let before = a.head_seq().await;
        let reply = a.post("/v1/tokens", body).await;
        assert!(s_(&reply.problem(422)["detail"]).contains(words));
        assert_eq!(a.head_seq().await, before);
    }

    // The volunteers of the member teams, and only those.
    let roster = gc.get("/v1/volunteers?limit=1000").await.ok();
    let teams: Vec<String> = roster["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|v| s_(&v["team_id"]))
        .collect();
    assert!(teams.contains(&s.city.team) && teams.contains(&s.city.other_team));
    assert!(!teams.contains(&s.outside), "{roster}");
    gc.get(&format!("/v1/volunteers?group_id={}", s.other_group))
        .await
        .problem(403);
    gc.get(&format!("/v1/volunteers?team_id={}", s.city.team))
        .await
        .problem(403);

    // A joint activity of the group's teams: logged, each one's hours with their own team.
    let logged = gc
        .post(
            "/v1/activities",
            joint(&s, &[&s.city.other_team], &[&v0, &anji]),
        )
        .await
        .ok();
    assert_eq!(logged["group_id"], s.group.as_str());
    let id = s_(&logged["id"]);
    // Not a team's own activity, not with a team outside, not in another group.
    gc.post("/v1/activities", joint(&s, &[], &[&v0]))
        .await
        .problem(403);
    let outside = gc
        .post("/v1/activities", joint(&s, &[&s.outside], &[&v0]))
        .await;
    assert!(s_(&outside.problem(422)["detail"]).contains("not all members of one group"));
    let mut elsewhere = joint(&s, &[&s.city.other_team], &[&v0]);
    elsewhere["group_id"] = json!(s.other_group);
    gc.post("/v1/activities", elsewhere).await.problem(403);
    s.other_gc
        .post("/v1/activities", joint(&s, &[&s.city.other_team], &[&v0]))
        .await
        .problem(422);

    // It reads, corrects and reverses the group's joint activities, not a team's own.
    gc.get(&format!("/v1/activities/{id}")).await.ok();
    gc.get(&format!("/v1/activities/{}", s.city.activity))
        .await
        .problem(403);
    gc.post(
        &format!("/v1/activities/{id}/participants/{anji}/correction"),
        json!({"hours": "1.5", "reason": "提前离开"}),
    )
    .await
    .ok();
    gc.post(
        &format!("/v1/activities/{}/reversal", s.city.activity),
        json!({"reason": "不是联合活动"}),
    )
    .await
    .problem(403);
    gc.post(
        &format!("/v1/activities/{id}/reversal"),
        json!({"reason": "重复登记"}),
    )
    .await
    .ok();

    // Memberships and projects of its own group only; no rules, rewards or tokens.
    gc.post(
        &format!("/v1/groups/{}/members", s.group),
        json!({"team_id": s.outside, "joined_on": days_ago(1)}),
    )
    .await
    .ok();
    s.other_gc
        .post(
            &format!("/v1/groups/{}/members/{}/leave", s.group, s.outside),
            json!({"left_on": today()}),
        )
        .await
        .problem(403);
    let project = json!({"group_id": s.group, "title": "两地文旅研学", "category": "culture_tourism", "starts_on": days_ago(1)});
    gc.post("/v1/projects", project).await.ok();
    gc.post(
        "/v1/projects",
        json!({"team_id": s.city.team, "title": "队里的项目", "category": "mediation", "starts_on": days_ago(1)}),
    )
    .await
    .problem(403);
    gc.post("/v1/tokens", json!({"role": "auditor"}))
        .await
        .problem(403);
    gc.send(
        reqwest::Method::PUT,
        "/v1/rules",
        Some(json!({"default_points_per_hour": "20"})),
        &[],
    )
    .await
    .problem(403);

    // The web app: signed in, the group's page; the joint form lists both teams' people.
    let hexed: String = s.gc_token.bytes().map(|b| format!("{b:02x}")).collect();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let get = |path: String| {
        let req = http
            .get(format!("{}{path}", server.base))
            .header("cookie", format!("yl_session={hexed}"));
        async move { req.send().await.expect("page") }
    };
    let home = get("/group".into()).await.text().await.expect("page");
    assert!(
        home.contains("银雁协共体") && home.contains("练市夕阳红服务队"),
        "{home}"
    );
    let form = get(format!(
        "/group/activities/new?teams={}&teams={}",
        s.city.team, s.city.other_team
    ))
    .await
    .text()
    .await
    .expect("page");
    // The teams' volunteers, named as the API names them to a group's coordinator: masked,
    // with their number to tell two of one masked name apart.
    assert!(
        form.contains("柯*强 · ") && form.contains("志**0 · "),
        "{form}"
    );
    assert!(
        !form.contains("柯国强") && !form.contains("志愿者0"),
        "{form}"
    );
    assert_eq!(
        get("/team".into()).await.status().as_u16(),
        403,
        "a group coordinator has no team page"
    );
    let csrf = {
        let at = form.find("name=\"csrf\" value=\"").expect("csrf") + 19;
        form[at..at + 32].to_owned()
    };
    let posted = http
        .post(format!("{}/group/activities/new", server.base))
        .header("cookie", format!("yl_session={hexed}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("form_id", "g1"),
            ("team", s.city.team.as_str()),
            ("with", s.city.other_team.as_str()),
            ("title", "网页登记的联合活动"),
            ("category", "culture_tourism"),
            ("date", &days_ago(2)),
            ("v", v0.as_str()),
            (&format!("h-{v0}"), "2"),
            ("v", anji.as_str()),
            (&format!("h-{anji}"), "3"),
        ])
        .send()
        .await
        .expect("post")
        .text()
        .await
        .expect("page");
    assert!(posted.contains("已为 2 位志愿者登记"), "{posted}");
}

fn s_(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("a string: {v}"))
        .to_owned()
}
