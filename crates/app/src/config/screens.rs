//! What each level's one screen shows (`screens.toml`): one table per level — `[city]` (市),
//! `[district]` (区县), `[town]` (镇街 and below) — with
//!
//! - `tiles`: the key indicators shown as tiles, in order (indicator codes);
//! - `table`: the columns of the children's colour table (indicator codes);
//! - `league`: the scheme whose league ranks the children (赛马);
//! - `colour`: the scheme whose colours the map shows (五色图).
//!
//! The shipped file reproduces the screen as it was built: the same five tiles, six columns,
//! `ECONOMY_RACE` and `FIVE_COLOUR_IND_VA` on every level.
//!
//! Before the tables, `own_row_only` lists the schemes whose league a participant sees only its
//! own row of; every other league is public among its participants (晾晒: a 区县's leader sees
//! the whole league their 区县 takes part in). Optional; none by default.

use serde::{Deserialize, Serialize};
use yiping_io::Problem;

use super::{SCREENS, problem, toml_message};

/// The shipped settings.
pub const SHIPPED: &str = "\
# 一屏显示设置：每个层级（city 市、district 区县、town 镇街及以下）一张表。
# tiles 关键指标（指标代码，按顺序）；table 下级对比表的列；league 赛马排名所用的评价方案；
# colour 地图五色所用的评价方案。
# own_row_only：只向参评单位显示本单位一行的评价方案（其余方案在参评单位间公开晾晒）。
own_row_only = []

[city]
tiles = [\"GDP\", \"IND_VA\", \"FAI\", \"RETAIL\", \"IND_INV\"]
table = [\"GDP\", \"IND_VA\", \"FAI\", \"RETAIL\", \"IND_INV\", \"TRADE\"]
league = \"ECONOMY_RACE\"
colour = \"FIVE_COLOUR_IND_VA\"

[district]
tiles = [\"GDP\", \"IND_VA\", \"FAI\", \"RETAIL\", \"IND_INV\"]
table = [\"GDP\", \"IND_VA\", \"FAI\", \"RETAIL\", \"IND_INV\", \"TRADE\"]
league = \"ECONOMY_RACE\"
colour = \"FIVE_COLOUR_IND_VA\"

[town]
tiles = [\"GDP\", \"IND_VA\", \"FAI\", \"RETAIL\", \"IND_INV\"]
table = [\"GDP\", \"IND_VA\", \"FAI\", \"RETAIL\", \"IND_INV\", \"TRADE\"]
league = \"ECONOMY_RACE\"
colour = \"FIVE_COLOUR_IND_VA\"
";

/// What the screen of one level shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelScreen {
    pub tiles: Vec<String>,
    pub table: Vec<String>,
    pub league: String,
    pub colour: String,
}

/// The settings of the three levels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreenSettings {
    /// Schemes whose league a participant sees only its own row of (the others are public
    /// among their participants).
    #[serde(default)]
    pub own_row_only: Vec<String>,
    pub city: LevelScreen,
    pub district: LevelScreen,
    pub town: LevelScreen,
}

impl ScreenSettings {
    /// The settings of a region level (1 市, 2 区县, 3 and below 镇街).
    pub fn for_level(&self, level: u8) -> &LevelScreen {
        match level {
            0 | 1 => &self.city,
            2 => &self.district,
            _ => &self.town,
        }
    }
}

pub(super) fn parse(text: &str, problems: &mut Vec<Problem>) -> Option<ScreenSettings> {
    match toml::from_str::<ScreenSettings>(text) {
        Ok(s) => {
            let before = problems.len();
            for (name, level) in [
                ("city", &s.city),
                ("district", &s.district),
                ("town", &s.town),
            ] {
                let line = text
                    .lines()
                    .position(|l| l.trim() == format!("[{name}]"))
                    .map(|i| i + 1)
                    .unwrap_or(1);
                if level.league.trim().is_empty() || level.colour.trim().is_empty() {
                    problems.push(problem(
                        SCREENS,
                        line,
                        Some(&format!("{name}.league")),
                        "",
                        "赛马方案和五色方案不能为空",
                    ));
                }
                if level
                    .tiles
                    .iter()
                    .chain(&level.table)
                    .any(|c| c.trim().is_empty())
                {
                    problems.push(problem(
                        SCREENS,
                        line,
                        Some(&format!("{name}.tiles")),
                        "",
                        "指标代码不能为空",
                    ));
                }
            }
            (problems.len() == before).then_some(s)
        }
        Err(e) => {
            let row = e
                .span()
                .map(|s| super::line_of(text, s.start))
                .unwrap_or_else(|| toml_message(&e.to_string()).0);
            problems.push(problem(SCREENS, row, None, "", e.message()));
            None
        }
    }
}
