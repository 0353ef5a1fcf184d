//! Personal data in an immutable log. A volunteer's name, year of birth and phone digits are
//! stored only sealed under their own key; erased at their request, their key is destroyed and
//! nothing of their name or year of birth is found in the data directory, any snapshot, a
//! fresh backup or any export, while their hours, points and team figures stay exactly as they
//! were, shown under "已注销志愿者 #N". Consent is recorded under a versioned notice.

mod common;

use std::path::Path;

use common::web::Browser;
use common::*;
use serde_json::{json, Value};

/// A name and year of birth no other fixture uses, so a byte search cannot mistake them.
const NAME: &str = "欧阳淑珍";
const BIRTH_YEAR: u16 = 1937;

/// Every file under `dir` whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                if bytes.windows(needle.len()).any(|w| w == needle) {
                    found.push(p.display().to_string());
                }
            }
        }
    }
    found
}

/// Every file under `dir` where `token` stands on its own: not inside a longer run of hex
/// digits (a hash, a timestamp, an id), where four given digits turn up by chance.
fn files_containing_token(dir: &Path, token: &[u8]) -> Vec<String> {
    let hexish = |b: Option<&u8>| b.is_some_and(u8::is_ascii_hexdigit);
    files_containing(dir, token)
        .into_iter()
        .filter(|path| {
            let bytes = std::fs::read(path).unwrap_or_default();
            bytes.windows(token.len()).enumerate().any(|(i, w)| {
                w == token
                    && !hexish(i.checked_sub(1).and_then(|j| bytes.get(j)))
                    && !hexish(bytes.get(i + token.len()))
            })
        })
        .collect()
}

/// The text of every cell of a workbook (an .xlsx is compressed: its bytes hide names).
fn workbook_text(bytes: &[u8]) -> String {
    use calamine::{open_workbook_from_rs, Reader, Xlsx};
    let mut book: Xlsx<_> =
        open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let mut out = String::new();
    for name in book.sheet_names() {
        if let Ok(range) = book.worksheet_range(&name) {
            for row in range.rows() {
                for c in row {
                    out.push_str(&c.to_string());
                    out.push('\t');
                }
                out.push('\n');
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erased_volunteer_leaves_no_trace_of_their_name_while_every_figure_stays() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    // Snapshots every few events, so several are written while the person is there.
    let mut server = Server::start_in(&data, &["--snapshot-every", "7"]);
    let city = City::build(&server, 2).await;
    let admin = &city.admin;

    // The notice, then a registration with consent under it.
    let notice = admin
        .put(
            "/v1/privacy-notice",
            json!({"text_zh": "我们只为记录志愿服务和积分使用您的姓名、出生年份和手机号后四位。", "text_en": "Your name, year of birth and phone digits are used only to record your service and points.", "published_on": days_ago(10)}),
        )
        .await
        .ok();
    assert_eq!(notice["version"], 1);
    let created = city
        .coordinator
        .post(
            "/v1/volunteers",
            json!({"name": NAME, "team_id": city.team, "birth_year": BIRTH_YEAR,
                   "consent": {"purpose": "志愿服务积分记录", "notice_version": 1, "collected_by": "荻溪六老调解队协调员"}}),
        )
        .await
        .ok();
    assert_eq!(created["name"], NAME);
    let id = created["id"].as_str().expect("id").to_owned();
    city.coordinator
        .put(
            &format!("/v1/volunteers/{id}/phone"),
            json!({"last_four": "8642"}),
        )
        .await
        .ok();
    city.coordinator
        .post("/v1/activities", json!({"team_id": city.team, "category": "mediation", "date": days_ago(2), "title": "邻里调解", "participants": [{"volunteer_id": id, "hours": "6"}, {"volunteer_id": city.volunteers[0], "hours": "2"}]}))
        .await
        .ok();
    admin
        .post(
            "/v1/redemptions",
            json!({"volunteer_id": id, "reward_id": city.reward, "quantity": 1}),
        )
        .await
        .ok();

    // The events carry no name: only ciphertext.
    let feed = common::demo::feed(admin).await;
    let text = serde_json::to_string(&feed).expect("json");
    assert!(!text.contains(NAME), "a name in the feed");
    assert!(feed.iter().any(|e| e["type"] == "PersonalDataSealed"));
    assert!(feed.iter().any(|e| e["type"] == "ConsentRecorded"
        && e["data"]["notice_version"] == 1
        && e["data"]["volunteer_id"] == id.as_str()));

    let before = admin.get(&format!("/v1/volunteers/{id}")).await.ok();
    assert_eq!(before["name"], NAME);
    assert_eq!(before["birth_year"], BIRTH_YEAR);
    let team_before = admin.get(&format!("/v1/teams/{}", city.team)).await.ok();
    let ranking_before = admin.get("/v1/rankings/volunteers").await.ok();
    // Read as it stood a moment ago: the past too is kept in memory with the name revealed.
    let past = admin.head_seq().await - 1;
    let then = format!("/v1/volunteers/{id}?as_of={past}");
    assert_eq!(admin.get(&then).await.ok()["name"], NAME);

    // Erased at their request.
    let erased = admin
        .post(
            &format!("/v1/volunteers/{id}/erasure"),
            json!({"requested_by": "本人", "requested_on": today(), "legal_basis": "《个人信息保护法》第四十七条"}),
        )
        .await
        .ok();
    assert_eq!(erased["requested_by"], "本人");
    let after = admin.get(&format!("/v1/volunteers/{id}")).await.ok();
    let label = after["name"].as_str().expect("name").to_owned();
    assert!(label.starts_with("已注销志愿者 #"), "{after}");
    assert!(after["birth_year"].is_null(), "{after}");
    let then = admin.get(&then).await.ok();
    assert_ne!(
        then["name"], NAME,
        "the past read after the erasure: {then}"
    );
    assert_ne!(then["birth_year"], BIRTH_YEAR, "{then}");
    for figure in ["balance", "hours", "stars"] {
        assert_eq!(after[figure], before[figure], "{figure} stays");
    }
    let team_after = admin.get(&format!("/v1/teams/{}", city.team)).await.ok();
    assert_eq!(
        team_after["tally"], team_before["tally"],
        "team figures stay"
    );
    let ranking_after = admin.get("/v1/rankings/volunteers").await.ok();
    let entry = |r: &Value, key: &str| -> Option<Value> {
        r["items"]
            .as_array()?
            .iter()
            .find(|e| e["id"] == id.as_str())
            .map(|e| e[key].clone())
    };
    assert_eq!(
        entry(&ranking_after, "points"),
        entry(&ranking_before, "points")
    );
    assert_eq!(entry(&ranking_after, "name"), Some(json!(label)));
    // Nothing personal is recorded for them again, a PIN neither; a second erasure is
    // refused.
    city.coordinator
        .put(
            &format!("/v1/volunteers/{id}/phone"),
            json!({"last_four": "1234"}),
        )
        .await
        .problem(409);
    let pin = city
        .coordinator
        .put(&format!("/v1/volunteers/{id}/pin"), json!({"pin": "2468"}))
        .await;
    assert_eq!(pin.problem(409)["code"], "volunteer_erased");
    // Clearing one is allowed (a PIN set before the erasure goes with it).
    city.coordinator
        .put(&format!("/v1/volunteers/{id}/pin"), json!({"pin": null}))
        .await
        .ok();
    admin
        .post(
            &format!("/v1/volunteers/{id}/erasure"),
            json!({"requested_by": "本人", "requested_on": today(), "legal_basis": "重复"}),
        )
        .await
        .problem(409);

    // Every export format, while the server runs: the web's spreadsheets.
    let web = Browser::new(&server, ADMIN);
    let roster = web.get("/onboard/roster.xlsx").await;
    let roster = workbook_text(&roster.bytes().await.expect("bytes"));
    assert!(
        roster.contains(&label) && !roster.contains(NAME),
        "{roster}"
    );
    let evaluation = web.get("/evaluation.csv").await.text().await.expect("csv");
    assert!(!evaluation.contains(NAME));
    server.terminate();

    // The command line's exports, and a fresh backup.
    let out = tmp.path().join("exports");
    std::fs::create_dir_all(&out).expect("mkdir");
    for (what, format) in [
        ("events", "ndjson"),
        ("balances", "csv"),
        ("balances", "ndjson"),
        ("rankings", "csv"),
        ("evaluation", "csv"),
    ] {
        let file = out.join(format!("{what}.{format}"));
        let (ok, text) = yinling(&[
            "export",
            "--data",
            p(&data),
            "--what",
            what,
            "--format",
            format,
            "--lang",
            "zh",
            "--out",
            p(&file),
        ]);
        assert!(ok, "{what}: {text}");
    }
    let statement = out.join("statement.csv");
    let (ok, text) = yinling(&[
        "export",
        "--data",
        p(&data),
        "--what",
        "statement",
        "--volunteer",
        &id,
        "--format",
        "csv",
        "--out",
        p(&statement),
    ]);
    assert!(ok, "{text}");
    let roster_file = out.join("roster.xlsx");
    let (ok, text) = yinling(&["onboard", "--data", p(&data), "--export", p(&roster_file)]);
    assert!(ok, "{text}");
    let roster = workbook_text(&std::fs::read(&roster_file).expect("read"));
    assert!(!roster.contains(NAME), "{roster}");
    let backup = tmp.path().join("backup");
    let (ok, text) = yinling(&["backup", "--data", p(&data), "--out", p(&backup)]);
    assert!(ok, "{text}");
    let (ok, text) = yinling(&["verify", "--data", p(&backup)]);
    assert!(ok && text.contains("data keys whole"), "{text}");

    // Nothing found: not the name, not the year of birth, anywhere; the search itself does
    // see plain text (a team's name is not personal data and is stored as it is).
    for place in [&data, &backup, &out] {
        assert!(
            !files_containing(place, "荻溪六老调解队".as_bytes()).is_empty(),
            "the search reads {}",
            place.display()
        );
    }
    for place in [&data, &backup, &out] {
        assert_eq!(
            files_containing(place, NAME.as_bytes()),
            Vec::<String>::new()
        );
        assert_eq!(
            files_containing_token(place, BIRTH_YEAR.to_string().as_bytes()),
            Vec::<String>::new(),
            "the year of birth in {}",
            place.display()
        );
    }

    // The backup restored: the same figures, the same label, the other names readable.
    let restored = Server::start_in(&backup, &[]);
    let admin = restored.client(ADMIN);
    let again = admin.get(&format!("/v1/volunteers/{id}")).await.ok();
    assert_eq!(again["name"], json!(label));
    assert_eq!(again["balance"], before["balance"]);
    let other = admin
        .get(&format!("/v1/volunteers/{}", city.volunteers[0]))
        .await
        .ok();
    assert_eq!(
        other["name"], "志愿者0",
        "the key store travelled with the backup"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_follows_the_notice_and_can_be_withdrawn() {
    let server = Server::start();
    let city = City::build(&server, 1).await;
    let admin = &city.admin;
    let v = &city.volunteers[0];
    let consent = |version: u32| json!({"purpose": "志愿服务积分记录", "notice_version": version, "given_on": today(), "collected_by": "协调员"});
    // No notice yet: a consent cannot refer to one.
    let r = city
        .coordinator
        .post(&format!("/v1/volunteers/{v}/consents"), consent(1))
        .await;
    assert!(r.problem(422)["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("no privacy notice"));
    for (i, text) in [
        "第一版告知书。",
        "第二版告知书：\r\n增加手机号后四位。\n可以随时注销。",
    ]
    .iter()
    .enumerate()
    {
        let n = admin
            .put(
                "/v1/privacy-notice",
                json!({"text_zh": text, "published_on": days_ago(5)}),
            )
            .await
            .ok();
        assert_eq!(n["version"], i + 1);
    }
    let versions = city.volunteer_clients[0]
        .get("/v1/privacy-notice")
        .await
        .ok();
    assert_eq!(versions["versions"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        versions["versions"][1]["text_zh"], "第二版告知书：\n增加手机号后四位。\n可以随时注销。",
        "paragraphs kept, line ends made one kind"
    );
    admin
        .put(
            "/v1/privacy-notice",
            json!({"text_zh": "第三版\u{7}告知书", "published_on": days_ago(1)}),
        )
        .await
        .problem(422);
    city.coordinator
        .post(&format!("/v1/volunteers/{v}/consents"), consent(3))
        .await
        .problem(422);
    city.coordinator
        .post(&format!("/v1/volunteers/{v}/consents"), consent(2))
        .await
        .ok();
    // The volunteer withdraws it themselves; twice is refused.
    let me = &city.volunteer_clients[0];
    let withdraw = json!({"purpose": "志愿服务积分记录", "withdrawn_on": today()});
    me.post(
        &format!("/v1/volunteers/{v}/consents/withdraw"),
        withdraw.clone(),
    )
    .await
    .ok();
    me.post(&format!("/v1/volunteers/{v}/consents/withdraw"), withdraw)
        .await
        .problem(409);
    // Another team's coordinator may not record one.
    city.other_coordinator
        .post(&format!("/v1/volunteers/{v}/consents"), consent(2))
        .await
        .problem(403);
}

/// Appends `events` after the log's head in one batch, each at its stream's next version.
fn append_each(
    log: &yinling_ledger::SledLog,
    events: Vec<(yinling_ledger::StreamId, yinling_ledger::Event)>,
) {
    use yinling_ledger::chain::{Chain, Draft};
    use yinling_ledger::log::{AppendBatch, StreamRun};
    use yinling_ledger::*;
    let head = log.head();
    let mut chain = Chain::after(head);
    let mut versions = std::collections::HashMap::new();
    let mut sealed = Vec::new();
    let mut runs = Vec::new();
    for (stream, payload) in events {
        let version = versions
            .entry(stream.clone())
            .or_insert_with(|| log.stream_version(&stream).expect("version"));
        *version += 1;
        let s = chain
            .seal(Draft {
                stream: stream.clone(),
                stream_version: *version,
                recorded_at: Timestamp::now(),
                actor: Actor::SYSTEM,
                idempotency_key: None,
                payload,
            })
            .expect("seal");
        runs.push(StreamRun {
            stream,
            first_version: *version,
            first_seq: s.envelope.seq,
            count: 1,
        });
        sealed.push(s);
    }
    log.append(&AppendBatch {
        expected_head: head,
        events: sealed,
        stream_runs: runs,
        idempotency: Vec::new(),
    })
    .expect("append");
}

/// A log written before personal data was sealed: a district, a team, a volunteer with plain
/// name, year of birth and phone digits, and a correction of the name. Returns the team and
/// the volunteer.
fn legacy_log(dir: &Path) -> (yinling_ledger::TeamId, yinling_ledger::VolunteerId) {
    use yinling_ledger::*;
    let log = SledLog::open(dir, OpenMode::CreateIfMissing).expect("open");
    let team = TeamId::generate();
    let v = VolunteerId::generate();
    let events = vec![
        (
            StreamId::districts(),
            Event::DistrictRegistered(DistrictRegistered {
                name: "南浔区".into(),
                kind: DistrictKind::District,
                region: "湖州市".into(),
            }),
        ),
        (
            team.stream(),
            Event::TeamRegistered(TeamRegistered {
                team_id: team,
                name: "荻溪六老调解队".into(),
                district: "南浔区".into(),
                category: Category::Mediation,
            }),
        ),
        (
            v.stream(),
            Event::VolunteerRegistered(VolunteerRegistered {
                volunteer_id: v,
                name: "沈阿婆".into(),
                team_id: team,
                district: "南浔区".into(),
                birth_year: Some(1936),
            }),
        ),
        (
            v.stream(),
            Event::VolunteerPhoneRecorded(VolunteerPhoneRecorded {
                volunteer_id: v,
                last_four: "3721".into(),
            }),
        ),
        (
            v.stream(),
            Event::VolunteerCorrected(VolunteerCorrected {
                volunteer_id: v,
                name: "沈阿奶".into(),
                birth_year: Some(1936),
                note: "名册更正".into(),
            }),
        ),
    ];
    append_each(&log, events);
    (team, v)
}

/// What the service writes on that log once upgraded and before it is sealed: `v`'s name
/// corrected and a new volunteer registered, both sealed under the log's own key store.
fn written_after_the_upgrade(
    dir: &Path,
    team: yinling_ledger::TeamId,
    v: yinling_ledger::VolunteerId,
) -> yinling_ledger::VolunteerId {
    use yinling_ledger::personal::PersonalFields;
    use yinling_ledger::*;
    let log = SledLog::open(dir, OpenMode::MustExist).expect("open");
    let keys = log.keyring().expect("keys");
    let w = VolunteerId::generate();
    let sealed_name = |id: VolunteerId, name: &str| {
        Event::PersonalDataSealed(PersonalDataSealed {
            volunteer_id: id,
            sealed: keys
                .seal(
                    &id,
                    &PersonalFields {
                        name: Some(name.into()),
                        ..PersonalFields::default()
                    },
                )
                .expect("sealed"),
        })
    };
    let events = vec![
        (v.stream(), sealed_name(v, "沈阿奶奶")),
        (
            w.stream(),
            Event::VolunteerRegistered(VolunteerRegistered {
                volunteer_id: w,
                name: String::new(),
                team_id: team,
                district: "南浔区".into(),
                birth_year: None,
            }),
        ),
        (w.stream(), sealed_name(w, "钱老伯")),
    ];
    append_each(&log, events);
    w
}

#[test]
fn names_sealed_after_the_upgrade_still_read_once_the_log_is_sealed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let old = tmp.path().join("old");
    let new = tmp.path().join("new");
    let (team, v) = legacy_log(&old);
    let w = written_after_the_upgrade(&old, team, v);
    let (ok, out) = yinling(&["seal", "--from-data", p(&old), "--to-data", p(&new)]);
    assert!(ok, "{out}");
    let (ok, out) = yinling(&[
        "seal",
        "--check",
        "--from-data",
        p(&old),
        "--to-data",
        p(&new),
    ]);
    assert!(ok, "{out}");
    // The sealed log's backup keeps the statement that ties it to the old one: restored,
    // it is checked against the old log as the sealed directory itself is.
    let backup = tmp.path().join("backup");
    let (ok, out) = yinling(&["backup", "--data", p(&new), "--out", p(&backup)]);
    assert!(ok, "{out}");
    let (ok, out) = yinling(&[
        "seal",
        "--check",
        "--from-data",
        p(&old),
        "--to-data",
        p(&backup),
    ]);
    assert!(ok, "the backup's statement: {out}");
    let balances = tmp.path().join("balances.ndjson");
    let (ok, out) = yinling(&[
        "export",
        "--data",
        p(&new),
        "--what",
        "balances",
        "--out",
        p(&balances),
    ]);
    assert!(ok, "{out}");
    let mut names: Vec<String> = std::fs::read_to_string(&balances)
        .expect("read")
        .lines()
        .map(|l| {
            let row: Value = serde_json::from_str(l).expect("json");
            row["name"].as_str().unwrap_or_default().to_owned()
        })
        .collect();
    names.sort();
    assert_eq!(names, ["沈阿奶奶", "钱老伯"]);

    // A new directory whose key store lost a key: the check opens every blob, those copied
    // as they were too, and says so.
    let keyless = tmp.path().join("keyless");
    let (ok, out) = yinling(&["seal", "--from-data", p(&old), "--to-data", p(&keyless)]);
    assert!(ok, "{out}");
    {
        use yinling_ledger::*;
        let log = SledLog::open(&keyless, OpenMode::MustExist).expect("open");
        let keys = log.keyring().expect("keys");
        keys.destroy(&w).expect("destroyed");
    }
    let (ok, out) = yinling(&[
        "seal",
        "--check",
        "--from-data",
        p(&old),
        "--to-data",
        p(&keyless),
    ]);
    assert!(!ok && out.contains("no longer open"), "{out}");
}

#[test]
fn a_log_written_before_sealing_is_migrated_once_with_a_statement_an_auditor_checks() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let old = tmp.path().join("old");
    let new = tmp.path().join("new");
    legacy_log(&old);
    assert!(
        !files_containing(&old, "沈阿".as_bytes()).is_empty(),
        "plain before"
    );
    let (ok, out) = yinling(&["seal", "--from-data", p(&old), "--to-data", p(&new)]);
    assert!(ok && out.contains("sealed 5 events into 6"), "{out}");
    let (ok, out) = yinling(&[
        "seal",
        "--check",
        "--from-data",
        p(&old),
        "--to-data",
        p(&new),
    ]);
    assert!(
        ok && out.contains("nothing but the personal fields changed"),
        "{out}"
    );
    // Sealed: no name, no year of birth, no phone digits in the new directory...
    assert_eq!(
        files_containing(&new, "沈阿".as_bytes()),
        Vec::<String>::new()
    );
    for digits in ["1936", "3721"] {
        assert_eq!(
            files_containing_token(&new, digits.as_bytes()),
            Vec::<String>::new(),
            "{digits}"
        );
    }
    // ...yet the ledger reads them with its key store.
    let balances = tmp.path().join("balances.ndjson");
    let (ok, out) = yinling(&[
        "export",
        "--data",
        p(&new),
        "--what",
        "balances",
        "--out",
        p(&balances),
    ]);
    assert!(ok, "{out}");
    let row: Value = serde_json::from_str(
        std::fs::read_to_string(&balances)
            .expect("read")
            .lines()
            .next()
            .expect("a row"),
    )
    .expect("json");
    assert_eq!(row["name"], "沈阿奶");
    assert_eq!(row["birth_year"], 1936);
    // A statement that lies about the mapping is caught.
    let statement = new.join("sealing-statement.ndjson");
    let text = std::fs::read_to_string(&statement).expect("statement");
    std::fs::write(
        &statement,
        text.replace("{\"old\":4,\"new\":[5]}", "{\"old\":4,\"new\":[6]}"),
    )
    .expect("write");
    let (ok, out) = yinling(&[
        "seal",
        "--check",
        "--from-data",
        p(&old),
        "--to-data",
        p(&new),
    ]);
    assert!(!ok && out.contains("old seq 4"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_are_masked_outside_the_persons_scope() {
    let server = Server::start();
    let city = City::build(&server, 2).await;
    let v0 = &city.volunteers[0];
    let account = |client: &Client| {
        let path = format!("/v1/volunteers/{v0}");
        let client = client.clone();
        async move { client.get(&path).await.ok() }
    };
    // The person, their coordinator and an administrator see it whole.
    for who in [&city.volunteer_clients[0], &city.coordinator, &city.admin] {
        let a = account(who).await;
        assert_eq!(a["name"], "志愿者0");
        assert_eq!(a["birth_year"], 1950);
    }
    // An auditor checks the figures, not the person: masked, no year of birth.
    let a = account(&city.auditor).await;
    assert_eq!(a["name"], "志**0");
    assert!(a["birth_year"].is_null());
    // The statement names them as the account does.
    let statement = format!("/v1/volunteers/{v0}/statement");
    assert_eq!(city.auditor.get(&statement).await.ok()["name"], "志**0");
    // So does the access log an auditor reads (the reads above are in it), and the queue of
    // a station, where the volunteer waits with a hold.
    let log = city.auditor.get("/v1/access-log").await.ok();
    let text = log.to_string();
    assert!(text.contains("志**0") && !text.contains("志愿者0"), "{log}");
    city.volunteer_clients[0]
        .post(
            "/v1/redemptions",
            json!({"volunteer_id": v0, "reward_id": city.reward, "quantity": 1}),
        )
        .await
        .ok();
    let first = "00000000-0000-0000-0000-000000000000";
    let queue = city
        .auditor
        .get(&format!("/v1/stations/{first}/queue"))
        .await
        .ok();
    let text = queue.to_string();
    assert!(
        text.contains("志**0") && !text.contains("志愿者0"),
        "{queue}"
    );
    assert_eq!(
        city.coordinator.get(&statement).await.ok()["name"],
        "志愿者0"
    );
    // A refusal names people as the caller may see them: another team's member listed on
    // an activity is masked, not given away in full with their id.
    let refused = city
        .coordinator
        .post("/v1/activities", json!({"team_id": city.team, "category": "mediation", "date": days_ago(1), "title": "邻里调解", "participants": [{"volunteer_id": city.outsider, "hours": "2"}]}))
        .await;
    let detail = refused.problem(422)["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        !detail.contains("柯国强") && detail.contains(city.outsider.as_str()),
        "{detail}"
    );
    // A search cannot unmask: the full name finds nothing, the masked one finds them.
    let found = city.auditor.get("/v1/volunteers?q=志愿者0").await.ok();
    assert_eq!(found["items"].as_array().map(Vec::len), Some(0), "{found}");
    let found = city
        .auditor
        .get(&format!("/v1/volunteers?q={}", "志**0"))
        .await
        .ok();
    assert_eq!(found["items"][0]["id"], v0.as_str(), "{found}");
    // Rankings: another team's coordinator and another volunteer see masked names, the
    // person sees their own.
    let name_in = |r: &Value, id: &str| {
        r["items"]
            .as_array()
            .and_then(|items| items.iter().find(|i| i["id"] == id))
            .map(|i| i["name"].clone())
    };
    let r = city
        .other_coordinator
        .get("/v1/rankings/volunteers")
        .await
        .ok();
    assert_eq!(name_in(&r, v0), Some(json!("志**0")));
    let r = city.volunteer_clients[1]
        .get("/v1/rankings/volunteers")
        .await
        .ok();
    assert_eq!(name_in(&r, v0), Some(json!("志**0")));
    assert_eq!(name_in(&r, &city.volunteers[1]), Some(json!("志愿者1")));
    let r = city.coordinator.get("/v1/rankings/volunteers").await.ok();
    assert_eq!(name_in(&r, v0), Some(json!("志愿者0")));
}

/// The digest kept with an idempotency key is keyed: a phone's last four digits sent under
/// one cannot be found again by trying the ten thousand against a plain SHA-256 of the
/// request, though the index keeps it after the person is erased.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requests_digest_kept_for_its_retries_gives_nothing_away() {
    use yinling_ledger::{EventLog, Hash, OpenMode, SledLog};
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let mut server = Server::start_in(&data, &[]);
    let city = City::build(&server, 1).await;
    let v = city.volunteers[0].clone();
    let path = format!("/v1/volunteers/{v}/phone");
    let body = json!({"last_four": "8642"});
    for _ in 0..2 {
        city.admin
            .send(
                reqwest::Method::PUT,
                &path,
                Some(body.clone()),
                &[("idempotency-key", "phone-1")],
            )
            .await
            .ok();
    }
    let tokens = city.admin.get("/v1/tokens").await.ok();
    let admin_id = tokens["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["label"] == "first administrator")
        .and_then(|t| t["id"].as_str())
        .expect("the first administrator")
        .to_owned();
    assert_eq!(server.terminate(), Some(0));
    let log = SledLog::open(&data, OpenMode::MustExist).expect("the log");
    let entry = log
        .idempotency(&format!("{admin_id}:phone-1"))
        .expect("read")
        .expect("the retry's entry");
    let plain = |digits: &str| {
        let text = format!("PUT {path}\n{}", json!({"last_four": digits}));
        Hash::of(text.as_bytes())
    };
    assert_ne!(entry.request_digest, plain("8642"));
    assert!(
        (0..10_000)
            .map(|n| format!("{n:04}"))
            .all(|d| plain(&d) != entry.request_digest),
        "the digits are found by trying them all"
    );
}

/// A key the journal put back after a crash (a commit replayed on open) is not carried into a
/// backup or a key export once its volunteer is erased in the log: the copy would otherwise
/// open their name again, though the service destroys the key when it loads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erased_volunteers_key_put_back_is_never_copied() {
    use yinling_ledger::personal::DataKey;
    use yinling_ledger::{EventLog, OpenMode, SledLog, VolunteerId};
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    let mut server = Server::start_in(&data, &[]);
    let city = City::build(&server, 1).await;
    let id = city.volunteers[0].clone();
    city.admin
        .post(
            &format!("/v1/volunteers/{id}/erasure"),
            json!({"requested_by": "本人", "requested_on": today(), "legal_basis": "《个人信息保护法》第四十七条"}),
        )
        .await
        .ok();
    assert_eq!(server.terminate(), Some(0));
    let volunteer = VolunteerId(uuid::Uuid::parse_str(&id).expect("uuid"));
    {
        let log = SledLog::open(&data, OpenMode::MustExist).expect("the log");
        let keys = log.keyring().expect("keys");
        keys.put_all(&[(volunteer, DataKey::generate())])
            .expect("put back");
        assert!(keys.key(&volunteer).expect("read").is_some());
    }
    let backup = tmp.path().join("backup");
    let (ok, said) = yinling(&["backup", "--data", p(&data), "--out", p(&backup)]);
    assert!(ok, "{said}");
    let copied = SledLog::open(&backup, OpenMode::MustExist).expect("the backup");
    let keys = copied.keyring().expect("keys");
    assert!(
        keys.key(&volunteer).expect("read").is_none(),
        "the key was copied"
    );
    let file = tmp.path().join("keys.ndjson");
    let (ok, said) = yinling(&[
        "export",
        "--data",
        p(&data),
        "--what",
        "keys",
        "--out",
        p(&file),
    ]);
    assert!(ok, "{said}");
    let text = std::fs::read_to_string(&file).expect("the key file");
    assert!(!text.contains(&id), "the key was exported: {text}");
}

/// A load reads every key in one pass to reveal everyone, then lets the keys go: the loaded
/// state holds none of them in memory, everyone still shows their name, and the next blob
/// sealed and folded (a name corrected) reads with a key asked of the store alone.
#[test]
fn a_loaded_state_keeps_no_key_it_read_ahead() {
    use yinling_ledger::{OpenMode, SledLog};
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("city");
    let (ok, said) = yinling(&[
        "demo",
        "--data",
        p(&data),
        "--volunteers",
        "60",
        "--teams",
        "3",
        "--days",
        "20",
    ]);
    assert!(ok, "{said}");
    let log = SledLog::open(&data, OpenMode::MustExist).expect("the log");
    let (mut state, _, _) = yinling_app::load::load_state(&log, None).expect("the state");
    assert_eq!(state.keys.0.held(), 0, "keys read ahead are let go");
    assert_eq!(state.volunteers.len(), 60);
    for v in state.volunteers.values() {
        assert!(
            !v.name.is_empty() && !yinling_projections::personal::is_label(&v.name),
            "volunteer #{} shows {:?}",
            v.number,
            v.name
        );
    }
    let id = *state.volunteers.keys().next().expect("a volunteer");
    let sealed = state
        .keys
        .0
        .seal(
            &id,
            &yinling_ledger::personal::PersonalFields {
                name: Some(NAME.into()),
                ..Default::default()
            },
        )
        .expect("sealed");
    let keys = state.keys.0.clone();
    let v = state.volunteers.get_mut(&id).expect("the volunteer");
    v.reveal_blob(&sealed, keys.as_ref());
    assert_eq!(v.name, NAME);
    assert!(keys.held() <= yinling_ledger::limits::KEYS_REMEMBERED);
}
