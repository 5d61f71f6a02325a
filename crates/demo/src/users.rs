//! The demo's sample users, one or more per role, all with the password [`DEMO_PASSWORD`], and a
//! grid worker (网格员) for every demo grid: `grid-jiefangbei` works 解放碑街道's first grid, the
//! others sign in as `grid-<网格代码>`.

use chrono::{DateTime, Utc};
use yiping_access::Role;
use yiping_kernel::EntityKind;
use yiping_store::Store;

use yiping_app::AppError;
use yiping_app::auth::{UserSpec, add_user};

/// The password of every demo user (printed by `yiping demo`; change it on a real server).
pub const DEMO_PASSWORD: &str = "demo2026";

/// (login, name, role, unit code; `None`: the first demo enterprise).
const USERS: [(&str, &str, Role, Option<&str>); 9] = [
    ("admin", "系统管理员", Role::Admin, Some("500000")),
    ("analyst", "市运行中心分析员", Role::Analyst, Some("500000")),
    ("leader", "市领导", Role::Leader, Some("500000")),
    ("yuzhong-leader", "渝中区领导", Role::Leader, Some("500103")),
    (
        "yuzhong-reporter",
        "渝中区填报员",
        Role::Reporter,
        Some("500103"),
    ),
    (
        "wanzhou-reporter",
        "万州区填报员",
        Role::Reporter,
        Some("500101"),
    ),
    (
        "jxw-handler",
        "市经济信息委承办人",
        Role::Handler,
        Some("D002"),
    ),
    (
        "grid-jiefangbei",
        "解放碑街道民生路社区第一网格网格员",
        Role::GridWorker,
        Some(JIEFANGBEI_GRID),
    ),
    ("enterprise", "企业联络员", Role::Enterprise, None),
];

/// The grid of `grid-jiefangbei` (民生路社区第一网格).
pub const JIEFANGBEI_GRID: &str = "500103003001001";

/// The login of the grid worker of `grid` (a grid code).
pub fn grid_worker_login(grid: &str) -> String {
    if grid == JIEFANGBEI_GRID {
        "grid-jiefangbei".to_string()
    } else {
        format!("grid-{grid}")
    }
}

/// One demo user as listed to a newcomer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    pub login: String,
    pub role: Role,
    pub unit_name: String,
    /// One of the grid workers beyond the named sample users (listed as a count).
    pub grid_worker: bool,
}

/// Creates the demo users that do not exist yet (idempotent) and lists them all.
pub async fn ensure_demo_users(
    store: &dyn Store,
    at: DateTime<Utc>,
) -> Result<Vec<DemoUser>, AppError> {
    let entities = store.all_entities().await?;
    let first_enterprise = entities
        .iter()
        .filter(|e| e.data.kind == EntityKind::Enterprise)
        .filter_map(|e| e.data.code.as_ref().map(|c| (c.as_str().to_string(), e)))
        .min_by(|a, b| a.0.cmp(&b.0))
        .ok_or_else(|| AppError::invalid("演示数据中没有企业"))?;
    let mut all: Vec<(String, String, Role, String, bool)> = USERS
        .iter()
        .map(|&(login, name, role, code)| {
            let code = code.map_or_else(|| first_enterprise.0.clone(), str::to_string);
            (login.to_string(), name.to_string(), role, code, false)
        })
        .collect();
    for g in crate::villages::grids() {
        let login = grid_worker_login(&g.code);
        if all.iter().all(|u| u.0 != login) {
            let name = format!("{}网格员", g.name);
            all.push((login, name, Role::GridWorker, g.code, true));
        }
    }
    let mut out = Vec::with_capacity(all.len());
    for (login, name, role, code, grid_worker) in all {
        let unit_name = entities
            .iter()
            .find(|e| e.data.code.as_ref().map(|c| c.as_str()) == Some(code.as_str()))
            .map(|e| e.data.name.clone())
            .ok_or_else(|| AppError::invalid(format!("演示数据中没有单位 {code}")))?;
        if store.user_by_login(&login).await?.is_none() {
            let spec = UserSpec {
                login: login.clone(),
                name,
                role,
                unit_code: code,
                password: DEMO_PASSWORD.to_string(),
            };
            add_user(store, &spec, "演示数据", at).await?;
        }
        out.push(DemoUser {
            login,
            role,
            unit_name,
            grid_worker,
        });
    }
    Ok(out)
}
