//! The denial matrix: every role (one demo user each, plus a second district's reporter) against
//! the pages and endpoints that read or change scoped data. Each probe names who may pass; every
//! other user must be refused (403, or 404 where the thing is hidden from them).

use std::collections::HashMap;

use crate::helpers::*;

pub(crate) const USERS: [&str; 9] = [
    "admin",
    "analyst",
    "leader",
    "yuzhong-leader",
    "yuzhong-reporter",
    "wanzhou-reporter",
    "jxw-handler",
    "grid-jiefangbei",
    "enterprise",
];

struct Probe {
    path: String,
    allowed: &'static [&'static str],
    /// Users sent elsewhere instead (303), e.g. an admin from the enterprise's own list to the
    /// inbox of requests.
    redirected: &'static [&'static str],
}

#[tokio::test]
async fn every_role_is_refused_outside_its_role_and_unit() {
    let app = spawn_demo().await;
    let ids: HashMap<String, i64> = app
        .store
        .all_entities()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| {
            e.data
                .code
                .as_ref()
                .map(|c| (c.as_str().to_string(), e.id.0))
        })
        .collect();
    let wanzhou = ids["500101"];
    let d009 = ids["D009"];
    // An item received by 万州区 (created by the admin before anyone else signs in).
    let admin = login(&app, "admin").await;
    let created = post_json_as(
        &app,
        &admin,
        "/api/v1/items",
        serde_json::json!({"kind": "event", "title": "万州区某路段积水", "category": "事件/01/01",
               "channel": "hotline", "receiving_unit": wanzhou, "location": wanzhou}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let item = created.json()["id"].as_i64().unwrap();
    let p = |path: String, allowed: &'static [&'static str]| Probe {
        path,
        allowed,
        redirected: &[],
    };
    const CITY: &[&str] = &["admin", "analyst", "leader"];
    const WANZHOU_READERS: &[&str] = &["admin", "analyst", "leader", "wanzhou-reporter"];
    let probes = [
        p(format!("/api/v1/entities/{wanzhou}"), WANZHOU_READERS),
        p(
            format!("/api/v1/observations?entity={wanzhou}"),
            WANZHOU_READERS,
        ),
        p("/screen/500101".into(), WANZHOU_READERS),
        p("/screen/500000".into(), CITY),
        p(
            "/screen/500101/brief?period=2024M06".into(),
            WANZHOU_READERS,
        ),
        p("/api/v1/screen/500000".into(), CITY),
        p(
            "/data/entry?unit=500101&period=2024M06".into(),
            &["admin", "analyst", "wanzhou-reporter"],
        ),
        p(
            "/data/entry?unit=500103&period=2024M06".into(),
            &["admin", "analyst", "yuzhong-reporter"],
        ),
        p(
            format!("/api/v1/schemes/ECONOMY_RACE/entities/{wanzhou}"),
            WANZHOU_READERS,
        ),
        p(
            "/evaluations/ECONOMY_RACE/unit/500101".into(),
            WANZHOU_READERS,
        ),
        p(format!("/api/v1/items?unit={d009}"), CITY),
        p(format!("/api/v1/items/{item}"), WANZHOU_READERS),
        p(format!("/items/{item}"), WANZHOU_READERS),
        p(
            format!("/api/v1/items/metrics?period=2024M03&unit={wanzhou}"),
            WANZHOU_READERS,
        ),
        p(
            format!("/api/v1/schemes/ECONOMY_RACE/entities/{wanzhou}/history"),
            WANZHOU_READERS,
        ),
        p("/api/v1/screen/500000/map".into(), CITY),
        p("/api/v1/findings?unit=500101".into(), WANZHOU_READERS),
        p(
            "/data/export?unit=500101&period=2024M06&format=csv".into(),
            WANZHOU_READERS,
        ),
        // Every user reads their own notifications (what another's marks do is in
        // denial_writes.rs and notifications.rs).
        p("/notifications".into(), &USERS),
        p("/notifications/bell".into(), &USERS),
        p("/api/v1/notifications".into(), &USERS),
        p("/admin/users".into(), &["admin"]),
        p("/metrics".into(), &["admin"]),
        Probe {
            path: "/requests".into(),
            allowed: &["enterprise"],
            redirected: &["admin"],
        },
        Probe {
            path: "/requests/new".into(),
            allowed: &["enterprise"],
            redirected: &["admin"],
        },
    ];
    let mut sessions = HashMap::new();
    for u in USERS {
        sessions.insert(u, login(&app, u).await);
    }
    let mut failures = Vec::new();
    for probe in &probes {
        for u in USERS {
            let r = get_as(&app, &sessions[u], &probe.path).await;
            let ok = if probe.allowed.contains(&u) {
                r.status == 200
            } else if probe.redirected.contains(&u) {
                r.status == 303
            } else {
                r.status == 403 || r.status == 404
            };
            if !ok {
                failures.push(format!(
                    "{u} GET {} → {} (expected {})",
                    probe.path,
                    r.status,
                    if probe.allowed.contains(&u) {
                        "200"
                    } else {
                        "403/404"
                    }
                ));
            }
        }
        // Nobody signed in: 401 from the API, the login page for pages.
        let anon = send(&app, "GET", &probe.path, &[], None).await;
        let expected = if probe.path.starts_with("/api/") || probe.path == "/metrics" {
            401
        } else {
            303
        };
        if anon.status != expected {
            failures.push(format!("anonymous GET {} → {}", probe.path, anon.status));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Routes guarded by a capability alone (lists limited to the caller's scope, forms): each user
/// passes exactly when their role has the capability, as the role table says.
#[tokio::test]
async fn every_route_refuses_the_roles_without_its_capability() {
    use yiping_access::{Capability as C, Role};
    let app = spawn_demo().await;
    let routes: [(&str, C); 28] = [
        ("/data/quality", C::ViewData),
        ("/api/v1/outliers?open=1", C::ViewData),
        (
            "/api/v1/measures?indicator=GDP&period=2024M01-M09&measure=贡献率",
            C::ViewData,
        ),
        ("/api/v1/indicators", C::ViewData),
        ("/api/v1/entities", C::ViewData),
        ("/api/v1/observations", C::ViewData),
        ("/api/v1/schemes", C::ViewEvaluations),
        (
            "/api/v1/schemes/ECONOMY_RACE/results?period=2024",
            C::ViewEvaluations,
        ),
        ("/api/v1/items", C::ViewItems),
        ("/evaluations", C::ViewEvaluations),
        ("/evaluations/ECONOMY_RACE", C::ViewEvaluations),
        (
            "/evaluations/ECONOMY_RACE/export?period=2024H1",
            C::ViewEvaluations,
        ),
        ("/data", C::ViewData),
        ("/data/import", C::EnterData),
        ("/items", C::ViewItems),
        ("/items/new", C::ReportEvent),
        ("/items/directives/new", C::IssueDirective),
        ("/admin/users", C::ManageUsers),
        ("/data/reports", C::EnterData),
        ("/api/v1/config", C::ManageCatalog),
        ("/api/v1/calendar", C::ViewData),
        ("/api/v1/deadline?month=2026-12", C::ViewData),
        ("/admin/config", C::ManageCatalog),
        ("/admin/config/calendar.csv", C::ManageCatalog),
        ("/admin/config/calendar.csv/download", C::ManageCatalog),
        ("/admin/calendar/2027", C::ManageCatalog),
        ("/alerts", C::ViewData),
        ("/api/v1/alerts", C::ViewData),
    ];
    let mut failures = Vec::new();
    for u in USERS {
        let s = login(&app, u).await;
        let role: Role = app
            .store
            .user_by_login(u)
            .await
            .unwrap()
            .unwrap()
            .role
            .parse()
            .unwrap();
        for (path, cap) in routes {
            let r = get_as(&app, &s, path).await;
            let allowed = role.can(cap);
            // Enterprises are sent from the general inbox to their own list of requests.
            let redirected = role == Role::Enterprise && path == "/items";
            let ok = if redirected {
                r.status == 200 || r.status == 303
            } else if allowed {
                r.status == 200
            } else {
                r.status == 403
            };
            if !ok {
                failures.push(format!(
                    "{u} ({}) GET {path} → {} (role {} {:?})",
                    role.code(),
                    r.status,
                    if allowed { "has" } else { "lacks" },
                    cap
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every route the server declares (each `.route("…")` in the crate's source, under `/api/v1`
/// for the API's modules) is probed by one of the authorization matrices (this file and
/// `denial_writes.rs`) or listed here as public, so that a new route without an access test
/// fails this test.
#[test]
fn every_declared_route_is_in_an_authorization_matrix() {
    // Open to anyone (or to every signed-in user) by design: signing in and out, health,
    // static files, Open311 (its own key for posts), who am I, and the entry pages that only
    // redirect to the user's own place.
    const PUBLIC: &[&str] = &[
        "/login",
        "/logout",
        "/healthz",
        "/static/{*name}",
        "/open311/v2/{file}",
        "/open311/v2/requests/{file}",
        "/open311/v2/services/{file}",
        "/open311/v2/tokens/{file}",
        "/",
        "/screen",
        "/api/v1/me",
        // The OpenAPI document: it describes the routes, not data.
        "/api/v1/openapi.json",
        // Only redirects to `/admin/calendar/{year}` (which is probed) from the year picker.
        "/admin/calendar",
    ];
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut routes = Vec::new();
    collect_routes(&src, &src, &mut routes);
    assert!(routes.len() > 30, "{routes:?}");
    let stale: Vec<&&str> = PUBLIC
        .iter()
        .filter(|p| !routes.iter().any(|r| r == *p))
        .collect();
    assert!(
        stale.is_empty(),
        "listed as public but not declared: {stale:?} of {routes:?}"
    );
    let tests = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api");
    let probes: Vec<String> = ["denials.rs", "denial_writes.rs"]
        .iter()
        .flat_map(|f| literals(&std::fs::read_to_string(tests.join(f)).unwrap()))
        .collect();
    let missing: Vec<&String> = routes
        .iter()
        .filter(|r| !PUBLIC.contains(&r.as_str()))
        .filter(|r| !probes.iter().any(|p| matches(r, p)))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without a probe in the authorization matrices: {missing:?}"
    );
}

/// The route templates declared under `dir`.
fn collect_routes(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_routes(root, &path, out);
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let prefix = if path.starts_with(root.join("api")) {
            "/api/v1"
        } else {
            ""
        };
        let mut rest = text.as_str();
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + 7..];
            let Some(open) = rest.find('"') else { break };
            let lit = &rest[open + 1..];
            let Some(close) = lit.find('"') else { break };
            let route = &lit[..close];
            // `/healthz` is merged at the top, not nested under the API.
            let full = if route == "/healthz" {
                route.to_string()
            } else {
                format!("{prefix}{route}")
            };
            out.push(full);
        }
    }
}

/// The string literals starting with `/` in a test's source (paths, with or without a query).
fn literals(text: &str) -> Vec<String> {
    text.split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| s.starts_with('/'))
        .map(|s| s.split('?').next().unwrap_or(s).to_string())
        .collect()
}

/// Whether a probed path (its `{x}` parts are format arguments) is an instance of `route`.
fn matches(route: &str, probe: &str) -> bool {
    let r: Vec<&str> = route.split('/').collect();
    let p: Vec<&str> = probe.split('/').collect();
    r.len() == p.len()
        && r.iter()
            .zip(&p)
            .all(|(a, b)| a == b || a.starts_with('{') || b.starts_with('{'))
}
