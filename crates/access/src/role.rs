//! The roles and the capability table.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a user is in the organisation. Each user has exactly one role and one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员: manages users, maps and everything below their unit.
    Admin,
    /// 分析员 (统计局、经信委、督查办): indicators, targets, imports, evaluations, problems.
    Analyst,
    /// 填报员: enters and imports their unit's data.
    Reporter,
    /// 承办人: handles the work items routed to their department or town.
    Handler,
    /// 领导: reads the one screen of their level, supervises (督办).
    Leader,
    /// 网格员: reports events from the grid and verifies on site.
    GridWorker,
    /// 企业: files requests (企业吹哨), follows and rates them.
    Enterprise,
}

impl Role {
    pub const ALL: [Self; 7] = [
        Self::Admin,
        Self::Analyst,
        Self::Reporter,
        Self::Handler,
        Self::Leader,
        Self::GridWorker,
        Self::Enterprise,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Analyst => "analyst",
            Self::Reporter => "reporter",
            Self::Handler => "handler",
            Self::Leader => "leader",
            Self::GridWorker => "grid_worker",
            Self::Enterprise => "enterprise",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Admin => "系统管理员",
            Self::Analyst => "分析员",
            Self::Reporter => "填报员",
            Self::Handler => "承办人",
            Self::Leader => "领导",
            Self::GridWorker => "网格员",
            Self::Enterprise => "企业",
        }
    }

    /// Whether this role has `cap` (within its scope; the scope is checked separately).
    pub fn can(self, cap: Capability) -> bool {
        use Capability as C;
        use Role as R;
        match cap {
            C::ViewScreen | C::ViewEvaluations => !matches!(self, R::Enterprise),
            C::ViewData => !matches!(self, R::Enterprise | R::GridWorker),
            C::EnterData => matches!(self, R::Admin | R::Analyst | R::Reporter),
            C::ManageCatalog | C::RunEvaluations => matches!(self, R::Admin | R::Analyst),
            C::ViewItems => true,
            C::ReportEvent => matches!(
                self,
                R::Admin | R::Analyst | R::Handler | R::GridWorker | R::Reporter
            ),
            C::FileRequest => matches!(self, R::Enterprise | R::Admin),
            C::HandleItems => matches!(self, R::Admin | R::Analyst | R::Handler | R::Leader),
            C::SuperviseItems => matches!(self, R::Admin | R::Analyst | R::Leader),
            C::IssueDirective => matches!(self, R::Admin | R::Analyst | R::Leader),
            // A map is shared by every screen of the region: only the people who maintain the
            // region's data replace it (ARCHITECTURE.md, Users and access).
            C::ManageMaps => matches!(self, R::Admin | R::Analyst),
            C::ManageUsers => matches!(self, R::Admin),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_zh())
    }
}

impl FromStr for Role {
    type Err = String;

    /// Accepts the code (`handler`) or the Chinese label (`承办人`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|r| r.code() == s || r.label_zh() == s)
            .ok_or_else(|| {
                let known: Vec<_> = Self::ALL.iter().map(|r| r.code()).collect();
                format!("未知角色“{s}”，可用：{}", known.join("、"))
            })
    }
}

/// Something a user may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// Open the one screen of a unit.
    ViewScreen,
    /// Read indicators, observations and targets.
    ViewData,
    /// Enter or import observations and targets.
    EnterData,
    /// Change entities, indicators and schemes.
    ManageCatalog,
    /// Read evaluation results.
    ViewEvaluations,
    /// Run evaluations (and raise the problems they find).
    RunEvaluations,
    /// Read work items (an enterprise: only its own requests).
    ViewItems,
    /// Report an event or problem.
    ReportEvent,
    /// File an enterprise request (企业吹哨).
    FileRequest,
    /// Act on work items as handler (签收、处置、回退、延期申请…).
    HandleItems,
    /// Register, dispatch, verify, close, decide extensions, 督办.
    SuperviseItems,
    /// Send a directive to many units (一键智达).
    IssueDirective,
    /// Add users, reset passwords, issue API tokens.
    ManageUsers,
    /// Upload map boundaries for the children of a region in scope (admins and analysts).
    ManageMaps,
}

impl Capability {
    pub const ALL: [Self; 14] = [
        Self::ViewScreen,
        Self::ViewData,
        Self::EnterData,
        Self::ManageCatalog,
        Self::ViewEvaluations,
        Self::RunEvaluations,
        Self::ViewItems,
        Self::ReportEvent,
        Self::FileRequest,
        Self::HandleItems,
        Self::SuperviseItems,
        Self::IssueDirective,
        Self::ManageUsers,
        Self::ManageMaps,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::ViewScreen => "查看一屏",
            Self::ViewData => "查看数据",
            Self::EnterData => "填报数据",
            Self::ManageCatalog => "维护目录",
            Self::ViewEvaluations => "查看评价",
            Self::RunEvaluations => "运行评价",
            Self::ViewItems => "查看事项",
            Self::ReportEvent => "上报事件",
            Self::FileRequest => "企业吹哨",
            Self::HandleItems => "办理事项",
            Self::SuperviseItems => "督办核查",
            Self::IssueDirective => "下发指令",
            Self::ManageUsers => "管理用户",
            Self::ManageMaps => "管理地图",
        }
    }
}
