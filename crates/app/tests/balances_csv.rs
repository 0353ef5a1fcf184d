//! The balances spreadsheet recounts: for every row, 原平台转入 + 累计获得 − 冲正 − 冻结 −
//! 已兑换 − 公示中 = 可用, with a balance carried over, points on notice and a hold.

#[path = "../../projections/tests/common/mod.rs"]
mod common;

use common::*;
use yinling_app::reports::accounts::volunteer_out;
use yinling_app::reports::{write_csv, Lang};
use yinling_ledger::*;
use yinling_projections::*;

#[test]
fn every_row_of_the_balances_spreadsheet_adds_up_to_its_available_points() {
    let mut sim = Sim::new();
    let team = sim.team("荻溪六老调解队", "南浔区", Category::Mediation);
    let alice = sim.volunteer("沈阿婆", team);
    let bob = sim.volunteer("钱老伯", team);
    let today = sim.now.local_date();
    sim.log_activity(
        team,
        Category::Mediation,
        today,
        &[(alice, "8"), (bob, "2")],
    )
    .expect("credited");
    sim.ok(
        Actor::SYSTEM,
        Command::Import {
            row: ImportedRow::OpeningBalance {
                volunteer_id: alice,
                hours: dec("120"),
                points: dec("300"),
                star_level: 0,
                as_of: today,
                source_system: "原志愿汇平台".into(),
            },
            source: RowSource {
                file_name: "名册.xlsx".into(),
                file_sha256: Hash([7; 32]),
                sheet: "积分".into(),
                row: 2,
            },
        },
    );
    let tea = sim.reward("7", 5);
    sim.hold(Actor::SYSTEM, alice, tea, 1).expect("held");
    // Bob's next service waits on public notice.
    sim.ok(
        Actor::SYSTEM,
        Command::SetPolicy {
            change: PolicyChange::NoticePeriod {
                category: Category::Mediation,
                days: 3,
            },
            note: "公示三天".into(),
        },
    );
    sim.log_activity(team, Category::Mediation, today, &[(bob, "3")])
        .expect("logged on notice");

    let rows: Vec<_> = [alice, bob]
        .iter()
        .map(|v| volunteer_out(&sim.state, &sim.state.volunteers[v]))
        .collect();
    let bytes = write_csv(Vec::new(), Lang::Zh, &rows).expect("csv");
    let text = String::from_utf8(bytes).expect("utf-8");
    let mut lines = text.trim_start_matches('\u{feff}').split("\r\n");
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
    };
    let mut checked = 0;
    for line in lines.filter(|l| !l.is_empty()) {
        let cells: Vec<&str> = line.split(',').collect();
        let n = |name: &str| dec(cells[col(name)]);
        assert_eq!(
            n("原平台转入积分") + n("累计获得积分")
                - n("冲正积分")
                - n("冻结积分")
                - n("已兑换积分")
                - n("公示中积分"),
            n("可用积分"),
            "{line}"
        );
        checked += 1;
    }
    assert_eq!(checked, 2);
    assert!(sim.state.volunteers[&alice].balance.carried > dec("0"));
    assert!(sim.state.volunteers[&bob].balance.pending > dec("0"));
}
