//! The demo city: 湖州 (Huzhou), its five districts and counties, the teams the source
//! articles name, and the words its volunteers use.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use yinling_ledger::{Category, CategoryRate, DayMultiplier, DaySet, DistrictKind};
use yinling_projections::{Command, NewRules};

use crate::cli::limits::DEMO_MAX_HOURS_A_DAY;

/// Districts and counties, with the towns and streets their teams come from.
pub const DISTRICTS: [(&str, &[&str]); 5] = [
    (
        "吴兴区",
        &[
            "爱山街道",
            "月河街道",
            "朝阳街道",
            "飞英街道",
            "织里镇",
            "八里店镇",
            "妙西镇",
            "道场乡",
            "埭溪镇",
            "东林镇",
            "龙泉街道",
        ],
    ),
    (
        "南浔区",
        &[
            "南浔镇",
            "练市镇",
            "双林镇",
            "菱湖镇",
            "和孚镇",
            "善琏镇",
            "旧馆街道",
            "千金镇",
            "石淙镇",
            "荻港村",
        ],
    ),
    (
        "德清县",
        &[
            "武康街道",
            "舞阳街道",
            "阜溪街道",
            "乾元镇",
            "新市镇",
            "洛舍镇",
            "钟管镇",
            "禹越镇",
            "莫干山镇",
        ],
    ),
    (
        "长兴县",
        &[
            "雉城街道",
            "画溪街道",
            "太湖街道",
            "龙山街道",
            "洪桥镇",
            "李家巷镇",
            "夹浦镇",
            "煤山镇",
            "泗安镇",
        ],
    ),
    (
        "安吉县",
        &[
            "递铺街道",
            "昌硕街道",
            "灵峰街道",
            "孝源街道",
            "天荒坪镇",
            "杭垓镇",
            "孝丰镇",
            "报福镇",
        ],
    ),
];

/// Teams the articles name, with their district and kind of service.
pub const NAMED_TEAMS: [(&str, &str, Category); 16] = [
    ("荻溪六老志愿服务队", "南浔区", Category::Mediation),
    ("陈奶奶道德门诊", "吴兴区", Category::Mediation),
    ("王金法广播", "南浔区", Category::Lecture),
    ("九哥工作室", "长兴县", Category::Mediation),
    ("老唐调解室", "长兴县", Category::Mediation),
    ("老朱热线", "长兴县", Category::ElderCare),
    ("老楼义工工作室", "长兴县", Category::ElderCare),
    ("银领初心宣讲团", "吴兴区", Category::Lecture),
    ("银发矛盾调解队", "吴兴区", Category::Mediation),
    ("生态环境护绿队", "吴兴区", Category::EcoPatrol),
    ("银晖共富帮扶团", "德清县", Category::IndustryAid),
    ("共富政策宣讲团", "德清县", Category::Lecture),
    ("长兴银星宣讲团", "长兴县", Category::Lecture),
    ("长兴银发匠人", "长兴县", Category::Craft),
    ("银雁协共体文旅群", "南浔区", Category::CultureTourism),
    ("美丽楼道长志愿队", "安吉县", Category::EcoPatrol),
];

/// The six sub-groups (协共群) of the 银雁协共体.
pub const SUB_GROUPS: [&str; 6] = ["乐学", "关爱", "智库", "文旅", "产业", "宣讲"];

/// Projects of the 银雁协共体 (from its 2023 plan).
pub const GROUP_PROJECTS: [(&str, Category); 3] = [
    ("银领走亲·山水共富", Category::CultureTourism),
    ("丹青协作 山水共富", Category::Craft),
    ("银雁协作 四季同行", Category::IndustryAid),
];

/// How many of the teams each district has (47 in all).
pub const TEAMS_PER_DISTRICT: [usize; 5] = [11, 10, 9, 9, 8];

/// The word a generated team name ends with, per category.
pub fn team_suffix(category: Category) -> &'static str {
    match category {
        Category::Mediation => "银领调解队",
        Category::EcoPatrol => "生态护绿队",
        Category::Lecture => "银星宣讲团",
        Category::ElderCare => "关爱陪伴队",
        Category::CultureTourism => "文旅志愿队",
        Category::IndustryAid => "产业帮扶团",
        Category::Craft => "银发匠人队",
        _ => "志愿服务队",
    }
}

/// Activity titles per category.
pub fn titles(category: Category) -> &'static [&'static str] {
    match category {
        Category::Mediation => &[
            "邻里纠纷调解",
            "物业纠纷调解",
            "消费维权调解",
            "家庭矛盾调解",
            "土地承包纠纷调解",
        ],
        Category::EcoPatrol => &[
            "巡河护水",
            "垃圾分类宣传",
            "绿道清洁",
            "竹林护绿",
            "美丽楼道整治",
        ],
        Category::Lecture => &[
            "八八战略故事会",
            "银星宣讲进社区",
            "红色故事宣讲",
            "法律知识讲座",
            "蝶变微故事分享",
        ],
        Category::ElderCare => &[
            "独居老人探访",
            "精神慰藉陪伴",
            "适老化改造回访",
            "助餐送餐",
            "离休干部走访",
        ],
        Category::CultureTourism => &[
            "古镇导览讲解",
            "文化礼堂志愿服务",
            "非遗展示讲解",
            "书画走亲活动",
        ],
        Category::IndustryAid => &[
            "茶叶种植技术指导",
            "青虾养殖帮扶",
            "茭白种植指导",
            "银晖直播助农",
            "共富学堂授课",
        ],
        Category::Craft => &[
            "竹编技艺传授",
            "皮影戏进校园",
            "古法制扇教学",
            "书法进社区",
            "鞋帽布艺培训",
        ],
        _ => &["志愿服务"],
    }
}

/// Common surnames.
pub const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "蒋", "蔡", "沈", "姚", "钱", "费", "钟", "陆", "汪", "范", "金",
    "邵", "沈", "俞", "施", "戴", "鲍", "柯", "吕", "丁", "闵", "莫", "姜",
];

/// Given names usual for people born 1940 to 1970.
pub const GIVEN_NAMES: &[&str] = &[
    "建国", "建华", "国强", "秀英", "桂英", "玉兰", "淑珍", "金法", "德明", "志强", "爱华", "美华",
    "红梅", "卫东", "海燕", "丽华", "振华", "永明", "国华", "新民", "昌美", "师德", "根宝", "金宝",
    "凤英", "月娥", "雪芳", "美娟", "建平", "伟民", "荣根", "阿毛", "志明", "桂芳", "惠珍", "林根",
    "文华", "宝林", "福兴", "金娣", "素琴", "学军", "小平", "建英", "水根", "菊英", "国平", "明华",
    "杏娟", "祖荣", "培根", "德昌", "炳荣", "惠芳", "长林", "关林", "云仙", "彩凤", "秀珍", "永康",
];

/// The e-station catalogue: 松阳 farm products (name, points) and bank rate vouchers
/// (name, bank, basis points, points).
pub const PRODUCTS: &[(&str, u32)] = &[
    ("松阳银猴茶 250g", 800),
    ("松阳香茶 500g", 500),
    ("松阳端午茶 礼盒", 300),
    ("松阳笋干 500g", 350),
    ("松阳高山番薯干 1kg", 200),
    ("玉岩白莲 500g", 450),
    ("松阳土猪腊肉 1kg", 900),
    ("松阳香榧 250g", 600),
    ("松阳压榨菜籽油 5L", 700),
];

/// The cooperatives of the partner county that supply the products, in turn.
pub const SUPPLIERS: &[&str] = &[
    "松阳县茶叶专业合作社",
    "松阳县农产品产销合作社",
    "松阳县山珍专业合作社",
];

/// Rate vouchers.
pub const VOUCHERS: &[(&str, &str, u32, u32)] = &[
    ("存款利率上浮 0.20%（一年期）", "湖州银行", 20, 400),
    ("贷款利率优惠 0.30%", "浙江南浔农村商业银行", 30, 500),
    ("存款利率上浮 0.15%", "安吉农商银行", 15, 300),
];

/// Yuan per point used to value redemptions in the demo's report.
pub const YUAN_PER_POINT: f64 = 0.1;

/// What the city registers before its teams: the five districts and counties, the partner
/// county 松阳 of the 银雁协共体, the earning rules, the 垃圾分类 campaign, and the city's own
/// star scale, lower than the national one, with review (confirmed after public notice).
pub fn districts(today: NaiveDate, days: u32) -> Vec<Command> {
    let district = |name: &str, kind, region: &str| Command::RegisterDistrict {
        name: name.to_owned(),
        kind,
        region: region.to_owned(),
    };
    let mut commands: Vec<Command> = DISTRICTS
        .iter()
        .map(|(name, _)| {
            let kind = if name.ends_with('县') {
                DistrictKind::County
            } else {
                DistrictKind::District
            };
            district(name, kind, "湖州市")
        })
        .collect();
    commands.push(district("松阳县", DistrictKind::County, "丽水市"));
    commands.push(Command::AdoptEarningRules(earning_rules(today, days)));
    commands.push(campaign(today, days));
    commands.push(Command::PublishPrivacyNotice {
        text_zh: "银领积分只为记录您的志愿服务、积分和兑换，使用您的姓名、出生年份和手机号后四位。\n这些信息只以密文保存，每人一把钥匙；只有您本人、您的队伍协调员和管理员能看到全名。\n您可以随时要求注销：钥匙销毁后，任何地方都再也读不出您的个人信息，您的服务时长和积分照常保留。".into(),
        text_en: "Yinling uses your name, year of birth and the last four digits of your phone only to record your service, points and rewards.\nThey are stored encrypted under a key of your own; only you, your team's coordinator and the administrators see your full name.\nYou may ask to be erased at any time: once your key is destroyed your personal data cannot be read anywhere, and your hours and points stay.".into(),
        published_on: today
            .checked_sub_days(chrono::Days::new(u64::from(days) + 1))
            .unwrap_or(today),
    });
    commands.push(Command::AdoptStarScale {
        thresholds_hours: [20, 50, 100, 200, 300].map(Decimal::from).to_vec(),
        review: true,
        note: "本市银龄志愿者星级标准：20/50/100/200/300 小时；达到后在 e站 公示七天，无异议由市老干部局认定".into(),
    });
    commands
}

/// The stars confirmed after their public notice: every other one waiting, in the order of
/// the volunteers' ids; the rest stay on the notice.
pub fn confirmations(state: &yinling_projections::State) -> Vec<Command> {
    let mut waiting: Vec<(yinling_ledger::VolunteerId, u8)> = state
        .volunteers
        .values()
        .filter_map(|v| v.star.pending.as_ref().map(|p| (v.id, p.level)))
        .collect();
    waiting.sort();
    waiting
        .into_iter()
        .step_by(2)
        .map(|(volunteer_id, level)| Command::ConfirmStar {
            volunteer_id,
            level,
            note: "公示七天无异议".into(),
        })
        .collect()
}

/// The code of the city's 垃圾分类 campaign, a category registered for part of the year.
pub const CAMPAIGN_CODE: &str = "garbage_sorting";

/// What the campaign's activities are called.
pub const CAMPAIGN_TITLES: [&str; 3] = [
    "垃圾分类桶边督导",
    "垃圾分类进小区宣传",
    "垃圾分类积分兑换日",
];

fn days_back(today: NaiveDate, days: u32) -> NaiveDate {
    today
        .checked_sub_days(Days::new(u64::from(days)))
        .unwrap_or(today)
}

/// The 垃圾分类 campaign, registered from half-way through the generated history at 15
/// points an hour. Eco patrol teams log their service in its window under it.
pub fn campaign(today: NaiveDate, days: u32) -> Command {
    Command::RegisterCategory {
        code: CAMPAIGN_CODE.into(),
        label_zh: "垃圾分类".into(),
        label_en: "Garbage sorting".into(),
        default_points_per_hour: Decimal::from(15),
        active_from: days_back(today, days / 2),
        active_until: None,
    }
}

/// The campaign ends a sixth of the way before today; its entries stay.
pub fn campaign_end(category: Category, today: NaiveDate, days: u32) -> Command {
    Command::RetireCategory {
        category,
        last_day: days_back(today, days / 6),
        reason: "垃圾分类专项行动结束，转入日常生态护绿".into(),
    }
}

/// Whether `date` falls in the campaign's window.
pub fn in_campaign(date: NaiveDate, today: NaiveDate, days: u32) -> bool {
    days_back(today, days / 2) <= date && date <= days_back(today, days / 6)
}

/// The city's earning rules: eco patrols earn 12 an hour from a third of the way into the
/// generated history, weekends count one and a half times, and a four-week campaign (助力亚运)
/// counts double; at most 10 hours a day are credited. Activities logged afterwards earn
/// under the version of their own service date.
pub fn earning_rules(today: NaiveDate, days: u32) -> NewRules {
    let from = today
        .checked_sub_days(Days::new(u64::from(days) * 2 / 3))
        .unwrap_or(today);
    let campaign_to = from.checked_add_days(Days::new(27)).unwrap_or(from);
    NewRules {
        effective_from: from,
        default_points_per_hour: None,
        rates: vec![CategoryRate {
            category: Category::EcoPatrol,
            points_per_hour: Decimal::from(12),
        }],
        multipliers: vec![
            DayMultiplier {
                label: "周末".into(),
                days: DaySet::Weekends,
                multiplier: Decimal::new(15, 1),
            },
            DayMultiplier {
                label: "助力亚运".into(),
                days: DaySet::Dates {
                    from,
                    to: campaign_to,
                },
                multiplier: Decimal::from(2),
            },
        ],
        max_hours_per_day: Some(Decimal::from(DEMO_MAX_HOURS_A_DAY)),
        note: "巡河护绿：周末加分，助力亚运期间加倍".into(),
    }
}
