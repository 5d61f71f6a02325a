//! Where notifications go besides the platform (`notify.toml`): the SMTP server and sender,
//! each person's e-mail address (by login), each unit's group robot (企业微信 / 钉钉 webhook, by
//! unit code) and the retries. Without a `[smtp]` table nothing is mailed; without webhooks
//! nothing is posted; in-app notifications are always stored.
//!
//! ```toml
//! [smtp]
//! host = "smtp.example.org"
//! port = 25
//! from = "一屏 <noreply@example.org>"
//! tls = "none"            # none | starttls | tls
//!
//! [[email]]
//! login = "jxw-handler"
//! address = "jxw@example.org"
//!
//! [[webhook]]
//! unit = "D002"
//! url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"
//!
//! [retry]
//! attempts = 5            # at most, the first included
//! backoff_seconds = 60    # before the second attempt, doubled after each failure
//! ```

use serde::{Deserialize, Serialize};
use yiping_io::Problem;

use super::{NOTIFY, problem, toml_message};

/// The shipped file: comments only (in-app notifications alone).
pub const SHIPPED: &str = "\
# 通知外发设置：平台内通知始终保存；在此配置后，另以邮件和群机器人（企业微信、钉钉）发送。
#
# [smtp]                      # 邮件服务器；不配置则不发邮件
# host = \"smtp.example.org\"
# port = 25
# from = \"一屏 <noreply@example.org>\"
# tls = \"none\"                # none 明文 | starttls | tls
#
# [[email]]                   # 每人一条：登录名 → 邮箱
# login = \"jxw-handler\"
# address = \"jxw@example.org\"
#
# [[webhook]]                 # 每个单位一条：单位代码 → 群机器人地址
# unit = \"D002\"
# url = \"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...\"
#
# [retry]                     # 失败重试
# attempts = 5                # 最多尝试次数（含第一次）
# backoff_seconds = 60        # 第一次重试前等待的秒数，此后每次加倍
";

/// How an SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    /// Plain text (a relay on the local network, the tests' sink).
    #[default]
    None,
    Starttls,
    Tls,
}

/// The SMTP server mail is sent through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    /// The sender, `名称 <address>` or `address`.
    pub from: String,
    #[serde(default)]
    pub tls: SmtpTls,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailAddress {
    pub login: String,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    /// The unit's code.
    pub unit: String,
    pub url: String,
}

/// Bounded retries with a doubling wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retry {
    pub attempts: u32,
    pub backoff_seconds: u32,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            attempts: 5,
            backoff_seconds: 60,
        }
    }
}

/// The settings of `notify.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NotifySettings {
    pub smtp: Option<Smtp>,
    #[serde(default)]
    pub email: Vec<EmailAddress>,
    #[serde(default)]
    pub webhook: Vec<Webhook>,
    #[serde(default)]
    pub retry: Retry,
}

impl NotifySettings {
    /// The e-mail address of a login, when mail is configured.
    pub fn email_of(&self, login: &str) -> Option<&str> {
        self.smtp.as_ref()?;
        self.email
            .iter()
            .find(|e| e.login == login)
            .map(|e| e.address.as_str())
    }

    /// The group robots of a unit code.
    pub fn webhooks_of<'a>(&'a self, unit_code: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.webhook
            .iter()
            .filter(move |w| w.unit == unit_code)
            .map(|w| w.url.as_str())
    }
}

/// The line of the `n`th (0-based) `[[table]]` header, for problems.
fn nth_table_line(text: &str, table: &str, n: usize) -> usize {
    let header = format!("[[{table}]]");
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == header)
        .nth(n)
        .map_or(1, |(i, _)| i + 1)
}

fn plausible_address(a: &str) -> bool {
    let a = a.trim();
    let inner = a
        .rsplit_once('<')
        .map_or(a, |(_, r)| r.trim_end_matches('>'));
    matches!(inner.split_once('@'), Some((l, d)) if !l.is_empty() && d.contains('.') || d == "localhost")
        && !inner.contains(char::is_whitespace)
}

pub(super) fn parse(text: &str, problems: &mut Vec<Problem>) -> Option<NotifySettings> {
    let s = match toml::from_str::<NotifySettings>(text) {
        Ok(s) => s,
        Err(e) => {
            let row = e
                .span()
                .map(|s| super::line_of(text, s.start))
                .unwrap_or_else(|| toml_message(&e.to_string()).0);
            problems.push(problem(NOTIFY, row, None, "", e.message()));
            return None;
        }
    };
    let before = problems.len();
    if let Some(smtp) = &s.smtp {
        let line = text
            .lines()
            .position(|l| l.trim() == "[smtp]")
            .map_or(1, |i| i + 1);
        if smtp.host.trim().is_empty() {
            problems.push(problem(
                NOTIFY,
                line,
                Some("smtp.host"),
                "",
                "邮件服务器地址不能为空",
            ));
        }
        if smtp.port == 0 {
            problems.push(problem(
                NOTIFY,
                line,
                Some("smtp.port"),
                "0",
                "端口应在 1—65535 之间",
            ));
        }
        if !plausible_address(&smtp.from) {
            problems.push(problem(
                NOTIFY,
                line,
                Some("smtp.from"),
                &smtp.from,
                "不是有效的发件人邮箱",
            ));
        }
    }
    for (i, e) in s.email.iter().enumerate() {
        let line = nth_table_line(text, "email", i);
        if e.login.trim().is_empty() {
            problems.push(problem(
                NOTIFY,
                line,
                Some("email.login"),
                "",
                "登录名不能为空",
            ));
        }
        if !plausible_address(&e.address) {
            problems.push(problem(
                NOTIFY,
                line,
                Some("email.address"),
                &e.address,
                "不是有效的邮箱地址",
            ));
        }
    }
    for (i, w) in s.webhook.iter().enumerate() {
        let line = nth_table_line(text, "webhook", i);
        if w.unit.trim().is_empty() {
            problems.push(problem(
                NOTIFY,
                line,
                Some("webhook.unit"),
                "",
                "单位代码不能为空",
            ));
        }
        if !(w.url.starts_with("http://") || w.url.starts_with("https://")) {
            problems.push(problem(
                NOTIFY,
                line,
                Some("webhook.url"),
                &w.url,
                "应为 http:// 或 https:// 开头的地址",
            ));
        }
    }
    if s.retry.attempts == 0 || s.retry.attempts > 20 {
        problems.push(problem(
            NOTIFY,
            1,
            Some("retry.attempts"),
            &s.retry.attempts.to_string(),
            "尝试次数应在 1—20 之间",
        ));
    }
    (problems.len() == before).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_sends_nothing_outside() {
        let mut problems = Vec::new();
        let s = parse(SHIPPED, &mut problems).unwrap();
        assert!(problems.is_empty());
        assert_eq!(s, NotifySettings::default());
        assert_eq!(s.email_of("admin"), None);
    }

    #[test]
    fn addresses_by_login_and_robots_by_unit() {
        let text = "[smtp]\nhost = \"127.0.0.1\"\nport = 2525\nfrom = \"一屏 <noreply@yiping.local>\"\n\n\
                    [[email]]\nlogin = \"jxw-handler\"\naddress = \"jxw@example.org\"\n\n\
                    [[webhook]]\nunit = \"D002\"\nurl = \"http://127.0.0.1:9/hook\"\n";
        let mut problems = Vec::new();
        let s = parse(text, &mut problems).unwrap();
        assert_eq!(s.email_of("jxw-handler"), Some("jxw@example.org"));
        assert_eq!(s.email_of("admin"), None);
        assert_eq!(
            s.webhooks_of("D002").collect::<Vec<_>>(),
            ["http://127.0.0.1:9/hook"]
        );
        assert_eq!(s.retry, Retry::default());
    }

    #[test]
    fn bad_entries_are_named_by_line_and_field() {
        let text = "[[email]]\nlogin = \"a\"\naddress = \"不是邮箱\"\n\n\
                    [[webhook]]\nunit = \"D002\"\nurl = \"ftp://x\"\n";
        let mut problems = Vec::new();
        assert!(parse(text, &mut problems).is_none());
        let got: Vec<(usize, Option<String>)> = problems
            .iter()
            .map(|p| (p.at.row, p.at.column.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (1, Some("字段email.address".to_string())),
                (5, Some("字段webhook.url".to_string()))
            ]
        );
        let mut problems = Vec::new();
        assert!(parse("[smtp]\nhost = \"x\"\n", &mut problems).is_none());
        assert_eq!(problems[0].at.file, NOTIFY);
    }
}
