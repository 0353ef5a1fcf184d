//! Shared sample data for the ledger tests.
#![allow(dead_code, missing_docs)]

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;
use yinling_ledger::*;

pub fn uuid(n: u128) -> Uuid {
    // A fixed UUIDv7-shaped value so fixtures never change.
    Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0000 | n)
}

pub fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).expect("test decimal")
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("test date")
}

/// One sample of every event type, in catalogue order.
pub fn one_of_each() -> Vec<Event> {
    let team = TeamId(uuid(1));
    let team2 = TeamId(uuid(2));
    let vol = VolunteerId(uuid(10));
    let act = ActivityId(uuid(20));
    let reward = RewardId(uuid(30));
    let red = RedemptionId(uuid(40));
    let token = TokenId(uuid(50));
    vec![
        Event::TeamRegistered(TeamRegistered {
            team_id: team,
            name: "荻溪六老调解队".into(),
            district: "南浔区".into(),
            category: Category::Mediation,
        }),
        Event::VolunteerRegistered(VolunteerRegistered {
            volunteer_id: vol,
            name: "王金法".into(),
            team_id: team,
            district: "南浔区".into(),
            birth_year: Some(1952),
        }),
        Event::VolunteerMovedTeam(VolunteerMovedTeam {
            volunteer_id: vol,
            from_team_id: team,
            to_team_id: team2,
            district: "吴兴区".into(),
        }),
        Event::ServiceLogged(ServiceLogged {
            activity_id: act,
            volunteer_id: vol,
            team_id: team,
            district: "南浔区".into(),
            category: Category::Mediation,
            date: date(2026, 3, 14),
            hours: dec("2.5"),
            points: dec("25.0"),
            points_per_hour: dec("10"),
            rules_version: 0,
        }),
        Event::ServiceReversed(ServiceReversed {
            activity_id: act,
            volunteer_id: vol,
            team_id: team,
            district: "南浔区".into(),
            category: Category::Mediation,
            date: date(2026, 3, 14),
            hours: dec("2.5"),
            points: dec("25.0"),
            reason: "录错了日期".into(),
        }),
        Event::RulesChanged(RulesChanged {
            version: 1,
            default_points_per_hour: dec("10"),
            rates: vec![CategoryRate {
                category: Category::ElderCare,
                points_per_hour: dec("12.5"),
            }],
        }),
        Event::RewardListed(RewardListed {
            reward_id: reward,
            name: "松阳银猴茶 250g".into(),
            kind: RewardKind::Product {
                origin: "松阳县".into(),
            },
            cost_points: dec("120"),
            stock: 50,
        }),
        Event::RewardRestocked(RewardRestocked {
            reward_id: reward,
            quantity: 20,
            stock_after: 70,
        }),
        Event::RewardRepriced(RewardRepriced {
            reward_id: reward,
            cost_points_before: dec("120"),
            cost_points: dec("100"),
        }),
        Event::RewardRetired(RewardRetired { reward_id: reward }),
        Event::RedemptionHeld(RedemptionHeld {
            redemption_id: red,
            volunteer_id: vol,
            team_id: team,
            district: "南浔区".into(),
            reward_id: reward,
            quantity: 2,
            cost_points: dec("100"),
            points: dec("200"),
            expires_at: Timestamp(1_780_000_000_000_000),
        }),
        Event::RedemptionFulfilled(RedemptionFulfilled {
            redemption_id: red,
            volunteer_id: vol,
            reward_id: reward,
            quantity: 2,
            points: dec("200"),
        }),
        Event::RedemptionCancelled(RedemptionCancelled {
            redemption_id: red,
            volunteer_id: vol,
            reward_id: reward,
            quantity: 2,
            points: dec("200"),
            reason: "换别的".into(),
        }),
        Event::RedemptionExpired(RedemptionExpired {
            redemption_id: red,
            volunteer_id: vol,
            reward_id: reward,
            quantity: 2,
            points: dec("200"),
        }),
        Event::TokenIssued(TokenIssued {
            token_id: token,
            role: Role::Coordinator,
            team_id: Some(team),
            volunteer_id: None,
            secret_sha256: [7u8; 32],
            label: "南浔 e站 柜台".into(),
        }),
        Event::TokenRevoked(TokenRevoked { token_id: token }),
        Event::ActivityLogged(ActivityLogged {
            activity_id: act,
            team_id: team,
            district: "南浔区".into(),
            category: Category::Mediation,
            date: date(2026, 3, 14),
            title: "社区邻里纠纷调解".into(),
            participants: 1,
            hours_total: dec("2.5"),
            points_total: dec("25.0"),
            outcomes: Outcomes {
                people_served: 6,
                problems_resolved: 2,
                disputes_handled: 2,
                disputes_settled: 2,
            },
        }),
        Event::DistrictRegistered(DistrictRegistered {
            name: "南浔区".into(),
            kind: DistrictKind::District,
            region: "湖州市".into(),
        }),
        Event::GroupFounded(GroupFounded {
            group_id: GroupId(uuid(60)),
            name: "银雁协共体".into(),
            purpose: "南浔、松阳山海协作".into(),
            founded_on: date(2023, 3, 1),
        }),
        Event::SubGroupAdded(SubGroupAdded {
            group_id: GroupId(uuid(60)),
            sub_group_id: GroupId(uuid(61)),
            name: "文旅".into(),
            added_on: date(2023, 3, 1),
        }),
        Event::TeamJoinedGroup(TeamJoinedGroup {
            team_id: team,
            group_id: GroupId(uuid(60)),
            sub_group_id: Some(GroupId(uuid(61))),
            joined_on: date(2023, 3, 15),
        }),
        Event::TeamLeftGroup(TeamLeftGroup {
            team_id: team,
            group_id: GroupId(uuid(60)),
            left_on: date(2026, 1, 1),
        }),
        Event::ProjectRegistered(ProjectRegistered {
            project_id: ProjectId(uuid(70)),
            owner: ProjectOwner::Group(GroupId(uuid(60))),
            title: "银领走亲·山水共富".into(),
            category: Category::CultureTourism,
            goal: "联合发布 10 个志愿服务项目".into(),
            starts_on: date(2023, 3, 1),
            ends_on: Some(date(2023, 12, 31)),
            status: ProjectStatus::Planned,
        }),
        Event::ProjectStatusChanged(ProjectStatusChanged {
            project_id: ProjectId(uuid(70)),
            status: ProjectStatus::Running,
            on: date(2023, 3, 20),
        }),
        Event::ActivityInProject(ActivityInProject {
            activity_id: act,
            project_id: ProjectId(uuid(70)),
        }),
        Event::ScoringChanged(ScoringChanged {
            version: 1,
            weights: ScoringWeights {
                per_activity: dec("5"),
                per_participant_time: dec("1"),
                per_active_volunteer: dec("2"),
                per_hour: dec("0.5"),
                per_person_served: dec("0.2"),
                per_problem_resolved: dec("3"),
                per_dispute_settled: dec("10"),
            },
        }),
        Event::ServiceCorrected(ServiceCorrected {
            activity_id: act,
            volunteer_id: VolunteerId(uuid(2)),
            team_id: TeamId(uuid(1)),
            district: "南浔区".into(),
            category: Category::Mediation,
            date: date(2026, 3, 14),
            hours_before: dec("2.5"),
            hours_after: dec("1.5"),
            points_before: dec("25"),
            points_after: dec("15"),
            reason: "多记了一小时".into(),
        }),
        Event::EarningRulesAdopted(EarningRulesAdopted {
            version: 2,
            effective_from: date(2026, 7, 1),
            default_points_per_hour: None,
            rates: vec![CategoryRate {
                category: Category::EcoPatrol,
                points_per_hour: dec("12"),
            }],
            multipliers: vec![
                DayMultiplier {
                    label: "周末".into(),
                    days: DaySet::Weekends,
                    multiplier: dec("1.5"),
                },
                DayMultiplier {
                    label: "助力亚运".into(),
                    days: DaySet::Dates {
                        from: date(2026, 9, 10),
                        to: date(2026, 10, 8),
                    },
                    multiplier: dec("2"),
                },
            ],
            max_hours_per_day: Some(dec("8")),
            note: "巡河护绿周末加倍".into(),
        }),
        Event::ServiceRerated(ServiceRerated {
            activity_id: act,
            volunteer_id: VolunteerId(uuid(2)),
            team_id: TeamId(uuid(1)),
            district: "南浔区".into(),
            category: Category::EcoPatrol,
            date: date(2026, 7, 4),
            hours: dec("2"),
            points_before: dec("20"),
            points_after: dec("36"),
            points_per_hour: dec("18"),
            rules_version: 2,
            reason: "补记七月新规".into(),
        }),
        Event::CategoryRegistered(CategoryRegistered {
            category: Category(7),
            code: "garbage_sorting".into(),
            label_zh: "垃圾分类".into(),
            label_en: "Waste sorting".into(),
            default_points_per_hour: dec("10"),
            active_from: date(2026, 6, 1),
            active_until: Some(date(2026, 12, 31)),
        }),
        Event::CategoryRenamed(CategoryRenamed {
            category: Category(7),
            label_zh: "垃圾分类宣传".into(),
            label_en: "Waste sorting outreach".into(),
        }),
        Event::CategoryRetired(CategoryRetired {
            category: Category(7),
            last_day: date(2026, 11, 30),
            reason: "活动结束".into(),
        }),
        Event::StarScaleAdopted(StarScaleAdopted {
            version: 2,
            thresholds_hours: vec![dec("50"), dec("150"), dec("300"), dec("600"), dec("1000")],
            review: true,
            note: "本平台星级标准".into(),
        }),
        Event::StarReached(StarReached {
            volunteer_id: VolunteerId(uuid(2)),
            level: 3,
            threshold_hours: dec("600"),
            hours: dec("601.5"),
            scale_version: 1,
            awaiting_review: true,
        }),
        Event::StarConfirmed(StarConfirmed {
            volunteer_id: VolunteerId(uuid(2)),
            level: 3,
            note: "公示七天无异议".into(),
        }),
        Event::StarWithdrawn(StarWithdrawn {
            volunteer_id: VolunteerId(uuid(2)),
            level: 2,
            threshold_hours: dec("300"),
            hours: dec("590"),
            reason: "活动撤销：误登".into(),
        }),
        Event::PolicySet(PolicySet {
            change: PolicyChange::BackfillLimit { days: Some(30) },
            note: "超过30天的补登须审批".into(),
        }),
        Event::BackfillRequested(BackfillRequested {
            activity_id: ActivityId(uuid(3)),
            team_id: TeamId(uuid(1)),
            category: Category::Mediation,
            date: date(2026, 3, 1),
            title: "补登调解".into(),
            participants: vec![RequestedHours {
                volunteer_id: VolunteerId(uuid(2)),
                hours: dec("2.5"),
            }],
            outcomes: Outcomes::default(),
            project_id: None,
            days_late: 45,
            limit_days: 30,
        }),
        Event::BackfillApproved(BackfillApproved {
            activity_id: ActivityId(uuid(3)),
            note: "有签到表".into(),
        }),
        Event::BackfillDeclined(BackfillDeclined {
            activity_id: ActivityId(uuid(3)),
            reason: "无记录可查".into(),
        }),
        Event::ActivityCoOrganised(ActivityCoOrganised {
            activity_id: ActivityId(uuid(3)),
            group_id: GroupId(uuid(40)),
            teams: vec![CoOrganiser {
                team_id: TeamId(uuid(41)),
                district: "松阳县".into(),
            }],
        }),
        Event::TokenScoped(TokenScoped {
            token_id: TokenId(uuid(50)),
            scope: TokenScope::Group(GroupId(uuid(40))),
        }),
        Event::StationOpened(StationOpened {
            station_id: StationId(uuid(60)),
            name: "菱湖 e站".into(),
            district: "南浔区".into(),
            address: "菱湖镇人民路 1 号".into(),
            opening_hours: "周一至周五 9:00-16:00".into(),
        }),
        Event::StationStocked(StationStocked {
            station_id: StationId(uuid(60)),
            reward_id: RewardId(uuid(10)),
            quantity: 5,
            stock_after: 5,
        }),
        Event::StockTransferred(StockTransferred {
            reward_id: RewardId(uuid(10)),
            from_station: StationId::FIRST,
            to_station: StationId(uuid(60)),
            quantity: 3,
            note: "到货分拨".into(),
        }),
        Event::RedemptionHeldAt(RedemptionHeldAt {
            held: RedemptionHeld {
                redemption_id: RedemptionId(uuid(61)),
                volunteer_id: VolunteerId(uuid(2)),
                team_id: TeamId(uuid(1)),
                district: "南浔区".into(),
                reward_id: RewardId(uuid(10)),
                quantity: 1,
                cost_points: dec("100"),
                points: dec("100"),
                expires_at: Timestamp(1_780_000_000_000_000),
            },
            station_id: StationId(uuid(60)),
            pickup_code: "042917".into(),
            confirmation: Confirmation::Pin,
        }),
        Event::RedemptionPickedUp(RedemptionPickedUp {
            redemption_id: RedemptionId(uuid(61)),
            station_id: StationId(uuid(60)),
            pickup_code: "042917".into(),
        }),
        Event::VolunteerPhoneRecorded(VolunteerPhoneRecorded {
            volunteer_id: VolunteerId(uuid(2)),
            last_four: "3721".into(),
        }),
        Event::VolunteerPinSet(VolunteerPinSet {
            volunteer_id: VolunteerId(uuid(2)),
            pin_sha256: Some(Hash::of(b"pin")),
        }),
        Event::VoucherIssued(VoucherIssued {
            redemption_id: RedemptionId(uuid(61)),
            volunteer_id: VolunteerId(uuid(2)),
            reward_id: RewardId(uuid(10)),
            bank: "湖州银行".into(),
            basis_points: 20,
            code_sha256: Hash::of(b"code"),
            expires_on: date(2026, 12, 31),
        }),
        Event::VoucherUsed(VoucherUsed {
            redemption_id: RedemptionId(uuid(61)),
            bank: "湖州银行".into(),
            product: VoucherProduct::Deposit,
            amount_yuan: dec("50000"),
            bonus_yuan: dec("100"),
            used_on: date(2026, 4, 1),
        }),
        Event::VoucherRefused(VoucherRefused {
            redemption_id: RedemptionId(uuid(61)),
            bank: "湖州银行".into(),
            reason: "未带身份证".into(),
        }),
        Event::VoucherCancelled(VoucherCancelled {
            redemption_id: RedemptionId(uuid(61)),
            reason: "券遗失".into(),
        }),
        Event::BankBudgetSet(BankBudgetSet {
            bank: "湖州银行".into(),
            year: 2026,
            vouchers: Some(200),
            bonus_yuan: Some(dec("30000")),
            note: "年度合作协议".into(),
        }),
        Event::RewardValued(RewardValued {
            reward_id: RewardId(uuid(10)),
            unit_value_yuan: dec("38.5"),
            supplier: "松阳县茶叶专业合作社".into(),
        }),
        Event::StockCosted(StockCosted {
            reward_id: RewardId(uuid(10)),
            station_id: StationId::FIRST,
            quantity: 20,
            unit_cost_yuan: dec("35"),
            supplier: "松阳县茶叶专业合作社".into(),
        }),
        Event::RecordImported(RecordImported {
            record: ImportedRecord::Volunteer(VolunteerId(uuid(2))),
            file_name: "南浔区志愿者名册.xlsx".into(),
            file_sha256: Hash::of(b"roster"),
            sheet: "志愿者".into(),
            row: 7,
            joined_on: Some(date(2019, 3, 5)),
        }),
        Event::OpeningBalanceRecorded(OpeningBalanceRecorded {
            volunteer_id: VolunteerId(uuid(2)),
            hours: dec("312.5"),
            points: dec("3125"),
            star_level: 3,
            as_of: date(2025, 12, 31),
            source_system: "志愿汇".into(),
        }),
        Event::VolunteerCorrected(VolunteerCorrected {
            volunteer_id: VolunteerId(uuid(2)),
            name: "沈阿奶".into(),
            birth_year: Some(1947),
            note: "名册导入更正".into(),
        }),
        Event::TeamCorrected(TeamCorrected {
            team_id: TeamId(uuid(1)),
            name: "荻溪六老调解队".into(),
            category: Category::Mediation,
            note: "名册导入更正".into(),
        }),
        Event::DistrictCorrected(DistrictCorrected {
            name: "松阳县".into(),
            kind: DistrictKind::County,
            region: "丽水市".into(),
            note: "名册导入更正".into(),
        }),
        Event::PersonalDataSealed(PersonalDataSealed {
            volunteer_id: VolunteerId(uuid(2)),
            sealed: yinling_ledger::personal::Sealed {
                nonce: [7; 12],
                ciphertext: vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
            },
        }),
        Event::VolunteerErased(VolunteerErased {
            volunteer_id: VolunteerId(uuid(2)),
            requested_by: "本人".into(),
            requested_on: NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"),
            legal_basis: "《个人信息保护法》第四十七条".into(),
        }),
        Event::ConsentRecorded(ConsentRecorded {
            volunteer_id: VolunteerId(uuid(2)),
            purpose: "志愿服务积分记录".into(),
            notice_version: 1,
            given_on: NaiveDate::from_ymd_opt(2026, 1, 5).expect("date"),
            collected_by: "荻溪六老调解队协调员".into(),
        }),
        Event::ConsentWithdrawn(ConsentWithdrawn {
            volunteer_id: VolunteerId(uuid(2)),
            purpose: "志愿服务积分记录".into(),
            withdrawn_on: NaiveDate::from_ymd_opt(2026, 2, 5).expect("date"),
        }),
        Event::PrivacyNoticePublished(PrivacyNoticePublished {
            version: 1,
            text_zh: "我们只为记录志愿服务和积分使用您的姓名、出生年份和手机号后四位。".into(),
            text_en: "Your name, year of birth and phone digits are used only to record your service and points.".into(),
            published_on: NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
        }),
        Event::ActivityOnNotice(ActivityOnNotice {
            activity_id: ActivityId(uuid(3)),
            posted_on: NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"),
            ends_on: NaiveDate::from_ymd_opt(2026, 3, 7).expect("date"),
        }),
        Event::NoticeEnded(NoticeEnded {
            activity_id: ActivityId(uuid(3)),
            ended_on: NaiveDate::from_ymd_opt(2026, 3, 7).expect("date"),
        }),
        Event::DisputeOpened(DisputeOpened {
            dispute_id: DisputeId(uuid(7)),
            volunteer_id: VolunteerId(uuid(2)),
            team_id: TeamId(uuid(1)),
            activity_id: Some(ActivityId(uuid(3))),
            kind: DisputeKind::Contested,
            reason: "那天我服务了四个小时，不是两个小时".into(),
            opened_on: NaiveDate::from_ymd_opt(2026, 3, 2).expect("date"),
        }),
        Event::DisputeResolved(DisputeResolved {
            dispute_id: DisputeId(uuid(7)),
            outcome: DisputeOutcome::Corrected,
            reason: "核实签到表，已更正为四小时".into(),
            resolved_on: NaiveDate::from_ymd_opt(2026, 3, 4).expect("date"),
        }),
        Event::DisputeEscalated(DisputeEscalated {
            dispute_id: DisputeId(uuid(8)),
            escalated_on: NaiveDate::from_ymd_opt(2026, 3, 20).expect("date"),
        }),
        Event::ConfirmationRequested(ConfirmationRequested {
            activity_id: ActivityId(uuid(3)),
            code_digest: [9; 32],
            number: 1,
            party: "荻港村村委会".into(),
            expires_on: NaiveDate::from_ymd_opt(2026, 3, 31).expect("date"),
        }),
        Event::ActivityConfirmed(ActivityConfirmed {
            activity_id: ActivityId(uuid(3)),
            code_digest: [9; 32],
            name: "沈国强".into(),
            role: "村委会主任".into(),
            confirmed_on: NaiveDate::from_ymd_opt(2026, 3, 3).expect("date"),
        }),
        Event::ActivityAwaitsConfirmation(ActivityAwaitsConfirmation {
            activity_id: ActivityId(uuid(3)),
        }),
        Event::NoticeContactsSet(NoticeContactsSet {
            volunteer_id: VolunteerId(uuid(2)),
            sealed: yinling_ledger::personal::Sealed {
                nonce: [8; 12],
                ciphertext: vec![17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
            },
        }),
        Event::RedemptionRefunded(RedemptionRefunded {
            redemption_id: RedemptionId(uuid(61)),
            volunteer_id: VolunteerId(uuid(2)),
            points: dec("10"),
            reason: "券遗失，退回积分重新兑换".into(),
        }),
        Event::StockWrittenOff(StockWrittenOff {
            station_id: StationId(uuid(60)),
            reward_id: RewardId(uuid(4)),
            quantity: 2,
            reason: "受潮两盒".into(),
            stock_after: 8,
        }),
        Event::RedemptionHeldForPickup(RedemptionHeldForPickup {
            held: RedemptionHeld {
                redemption_id: RedemptionId(uuid(62)),
                volunteer_id: VolunteerId(uuid(2)),
                team_id: TeamId(uuid(1)),
                district: "南浔区".into(),
                reward_id: RewardId(uuid(10)),
                quantity: 2,
                cost_points: dec("50"),
                points: dec("100"),
                expires_at: Timestamp(1_780_000_000_000_000),
            },
            station_id: StationId(uuid(60)),
            pickup_code_digest: [0x5a; 32],
            confirmation: Confirmation::CardScan,
        }),
        Event::ConfirmationWaived(ConfirmationWaived {
            activity_id: ActivityId(uuid(3)),
            reason: "服务对象已搬离，无法联系".into(),
            waived_on: NaiveDate::from_ymd_opt(2026, 4, 1).expect("date"),
        }),
        Event::VoucherHandedOver(VoucherHandedOver {
            redemption_id: RedemptionId(uuid(62)),
            volunteer_id: VolunteerId(uuid(2)),
            reward_id: RewardId(uuid(10)),
            bank: "湖州银行".into(),
            basis_points: 20,
            code_digest: Hash([0x6b; 32]),
            expires_on: date(2026, 12, 31),
        }),
        Event::TokenLastDaySet(TokenLastDaySet {
            token_id: TokenId(uuid(30)),
            last_day: Some(date(2026, 12, 31)),
        }),
    ]
}

/// Samples of variants inside events that `one_of_each` does not show, each with the name
/// of its fixture (the scopes a token can be bound to beyond a group, the later policies).
/// Append only: a sample's place is part of its fixture.
pub fn variants() -> Vec<(&'static str, Event)> {
    let scoped = |n: u128, scope: TokenScope| {
        Event::TokenScoped(TokenScoped {
            token_id: TokenId(uuid(n)),
            scope,
        })
    };
    let policy = |change: PolicyChange| {
        Event::PolicySet(PolicySet {
            change,
            note: "政策".into(),
        })
    };
    vec![
        (
            "TokenScoped.Station",
            scoped(62, TokenScope::Station(StationId(uuid(60)))),
        ),
        (
            "TokenScoped.District",
            scoped(63, TokenScope::District("南浔区".into())),
        ),
        (
            "TokenScoped.Bank",
            scoped(64, TokenScope::Bank("湖州银行".into())),
        ),
        (
            "PolicySet.VoucherValidity",
            policy(PolicyChange::VoucherValidity { days: 180 }),
        ),
        (
            "PolicySet.PointValue",
            policy(PolicyChange::PointValue {
                yuan_per_point: dec("0.1"),
            }),
        ),
        (
            "PolicySet.CoverageWarning",
            policy(PolicyChange::CoverageWarning { percent: 90 }),
        ),
        (
            "RecordImported.District",
            Event::RecordImported(RecordImported {
                record: ImportedRecord::District("南浔区".into()),
                file_name: "名册.csv".into(),
                file_sha256: Hash::of(b"roster"),
                sheet: "区县".into(),
                row: 2,
                joined_on: None,
            }),
        ),
        (
            "RecordImported.Team",
            Event::RecordImported(RecordImported {
                record: ImportedRecord::Team(TeamId(uuid(1))),
                file_name: "名册.csv".into(),
                file_sha256: Hash::of(b"roster"),
                sheet: "队伍".into(),
                row: 3,
                joined_on: None,
            }),
        ),
        (
            "RecordImported.OpeningBalance",
            Event::RecordImported(RecordImported {
                record: ImportedRecord::OpeningBalance(VolunteerId(uuid(2))),
                file_name: "名册.csv".into(),
                file_sha256: Hash::of(b"roster"),
                sheet: "原有积分".into(),
                row: 4,
                joined_on: None,
            }),
        ),
        (
            "PolicySet.NoticePeriod",
            policy(PolicyChange::NoticePeriod {
                category: Category::Mediation,
                days: 7,
            }),
        ),
        (
            "PolicySet.DisputeEscalation",
            policy(PolicyChange::DisputeEscalation { days: 14 }),
        ),
        (
            "DisputeOpened.Missing",
            Event::DisputeOpened(DisputeOpened {
                dispute_id: DisputeId(uuid(8)),
                volunteer_id: VolunteerId(uuid(2)),
                team_id: TeamId(uuid(1)),
                activity_id: None,
                kind: DisputeKind::Missing,
                reason: "三月五日的巡河没有登记".into(),
                opened_on: NaiveDate::from_ymd_opt(2026, 3, 6).expect("date"),
            }),
        ),
        (
            "DisputeResolved.Rejected",
            Event::DisputeResolved(DisputeResolved {
                dispute_id: DisputeId(uuid(8)),
                outcome: DisputeOutcome::Rejected,
                reason: "签到表上没有这一天".into(),
                resolved_on: NaiveDate::from_ymd_opt(2026, 3, 9).expect("date"),
            }),
        ),
        (
            "DisputeResolved.Upheld",
            Event::DisputeResolved(DisputeResolved {
                dispute_id: DisputeId(uuid(9)),
                outcome: DisputeOutcome::Upheld,
                reason: "补登了这次活动".into(),
                resolved_on: NaiveDate::from_ymd_opt(2026, 3, 9).expect("date"),
            }),
        ),
        (
            "PolicySet.ConfirmationRequired",
            policy(PolicyChange::ConfirmationRequired {
                category: Category::Mediation,
                required: true,
            }),
        ),
    ]
}

/// A fixed envelope around `payload`, as it would sit at `seq` after `prev`.
pub fn fixed_envelope(payload: Event, seq: u64, prev: Hash) -> Envelope {
    let mut envelope = Envelope {
        seq,
        id: EventId(uuid(1000 + u128::from(seq))),
        stream: StreamId::for_entity("team", uuid(1)),
        stream_version: seq,
        recorded_at: Timestamp(1_773_446_400_000_000 + seq as i64),
        actor: Actor {
            token_id: Some(TokenId(uuid(50))),
            role: Role::Admin,
        },
        idempotency_key: Some(format!("key-{seq}")),
        schema_version: 1,
        payload,
        prev_hash: prev,
        hash: Hash::GENESIS,
    };
    let canonical = codec::canonical_bytes(&envelope).expect("encodes");
    envelope.hash = Hash::link(&prev, &canonical);
    envelope
}

/// The group-commit writer on `log`, passing commits through undecided: what most store
/// tests write through.
pub fn pass_through_writer(
    log: &std::sync::Arc<SledLog>,
) -> (
    writer::HandleFor<writer::PassThrough>,
    writer::WriterThread<writer::PassThrough>,
) {
    writer::spawn(
        log.clone(),
        writer::PassThrough::default(),
        writer::WriterConfig::default(),
    )
    .expect("spawn the writer")
}

/// A commit of `n` service events on one activity stream.
pub fn service_commit(activity: u128, n: usize) -> Commit {
    let events = (0..n)
        .map(|i| {
            Event::ServiceLogged(ServiceLogged {
                activity_id: ActivityId(uuid(activity)),
                volunteer_id: VolunteerId(uuid(10_000 + i as u128)),
                team_id: TeamId(uuid(1)),
                district: "吴兴区".into(),
                category: Category::EcoPatrol,
                date: date(2026, 5, 1),
                hours: dec("3"),
                points: dec("30"),
                points_per_hour: dec("10"),
                rules_version: 0,
            })
        })
        .collect();
    Commit::any(ActivityId(uuid(activity)).stream(), events)
}

/// Opens the sled database at `path` again right after a handle on it was dropped: that
/// handle may hold sled's lock for a moment (its threads winding down), as the log's own
/// opens allow for.
pub fn reopen_sled(path: &std::path::Path) -> sled::Db {
    (0..100)
        .find_map(|_| {
            sled::open(path)
                .map_err(|_| std::thread::sleep(std::time::Duration::from_millis(20)))
                .ok()
        })
        .expect("sled")
}
