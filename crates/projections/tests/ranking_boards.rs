//! The rankings of a district and of windows are read off boards the index keeps as it
//! folds, filled by the first query of each: what they answer later is what was served
//! since, including service for a team the district gained after its board was filled.

mod common;

use common::*;
use yinling_ledger::*;
use yinling_projections::rankings::RankingQuery;

fn ranked(sim: &Sim, query: &RankingQuery) -> Vec<(VolunteerId, String)> {
    sim.state
        .rank_volunteers(query)
        .into_iter()
        .map(|r| (r.id, r.amounts.hours.to_string()))
        .collect()
}

#[test]
fn a_team_registered_after_its_district_was_ranked_counts_in_the_district_ranking() {
    let mut sim = Sim::new();
    let today = sim.now.local_date();
    let first = sim.team("荻溪六老调解队", "南浔区", Category::EcoPatrol);
    let elsewhere = sim.team("德清护河队", "德清县", Category::EcoPatrol);
    let wang = sim.volunteer("王金法", first);
    let chen = sim.volunteer("陈奶奶", elsewhere);
    sim.log_activity(first, Category::EcoPatrol, today, &[(wang, "2")])
        .expect("logged");
    sim.log_activity(elsewhere, Category::EcoPatrol, today, &[(chen, "9")])
        .expect("logged");
    let district = RankingQuery {
        district: Some("南浔区".into()),
        limit: 20,
        ..RankingQuery::default()
    };
    let this_month = RankingQuery {
        from: Some(today - chrono::Days::new(3)),
        ..district.clone()
    };
    // The first queries fill the boards.
    assert_eq!(ranked(&sim, &district), vec![(wang, "2".to_owned())]);
    assert_eq!(ranked(&sim, &this_month), vec![(wang, "2".to_owned())]);
    // A team joins the district, and its volunteer serves more than anyone there.
    let second = sim.team("南浔老兵宣讲团", "南浔区", Category::EcoPatrol);
    let li = sim.volunteer("李大伯", second);
    sim.log_activity(second, Category::EcoPatrol, today, &[(li, "5")])
        .expect("logged");
    // Service in the district's first team moves its boards too.
    sim.log_activity(first, Category::EcoPatrol, today, &[(wang, "1.5")])
        .expect("logged");
    let expected = vec![(li, "5".to_owned()), (wang, "3.5".to_owned())];
    assert_eq!(ranked(&sim, &district), expected);
    assert_eq!(ranked(&sim, &this_month), expected);
    // The service of another district's team is not counted in this one.
    sim.log_activity(elsewhere, Category::EcoPatrol, today, &[(chen, "1")])
        .expect("logged");
    assert_eq!(ranked(&sim, &district), expected);
}
