//! Delivery of notifications outside the platform: every channel behind one trait
//! ([`Channel`]): e-mail through SMTP ([`Email`], the `lettre` crate) and a group robot's webhook
//! ([`Webhook`], the JSON 企业微信 and 钉钉 robots accept: `{"msgtype":"text","text":{"content":…}}`).
//! In-app notifications are the stored rows themselves ([`crate::notifications`]), always
//! written; these are copies.
//!
//! Why a queue: a request that causes a notice (a dispatch) must not wait on a mail server.
//! [`queue`] only stores a delivery per copy (in the request, next to the notification), and
//! [`run`] — every few seconds inside `yiping serve`, once in `yiping run-jobs` — sends what is
//! due. A failure is retried a bounded number of times with a doubling wait (`notify.toml`'s
//! `[retry]`), then given up; every attempt is logged (the store's delivery log).

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use yiping_store::{AttemptOutcome, NewDelivery, Page, Paged, Store, StoredDelivery};

use crate::AppError;
use crate::config::NotifySettings;
use crate::config::notify::{Smtp, SmtpTls};

pub const EMAIL: &str = "email";
pub const WEBHOOK: &str = "webhook";

/// The Chinese name of a channel code.
pub fn channel_label(code: &str) -> &'static str {
    match code {
        EMAIL => "邮件",
        WEBHOOK => "群机器人",
        _ => "其他",
    }
}

/// A way to send a copy of a notification outside the platform.
#[async_trait]
pub trait Channel: Send + Sync + std::fmt::Debug {
    /// The channel's code, as stored with each delivery.
    fn code(&self) -> &'static str;

    /// Sends `subject` and `body` to `target` (an address, a URL); the error says why not, in
    /// Chinese where it is ours.
    async fn send(&self, target: &str, subject: &str, body: &str) -> Result<(), String>;
}

/// How long one attempt may take before it counts as failed.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);

/// E-mail through an SMTP server.
#[derive(Debug, Clone)]
pub struct Email {
    smtp: Smtp,
}

impl Email {
    pub fn new(smtp: Smtp) -> Self {
        Self { smtp }
    }
}

#[async_trait]
impl Channel for Email {
    fn code(&self) -> &'static str {
        EMAIL
    }

    async fn send(&self, target: &str, subject: &str, body: &str) -> Result<(), String> {
        use lettre::message::{Mailbox, header::ContentType};
        use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
        let from: Mailbox = self
            .smtp
            .from
            .parse()
            .map_err(|e| format!("发件人“{}”无效：{e}", self.smtp.from))?;
        let to: Mailbox = target
            .parse()
            .map_err(|e| format!("收件人“{target}”无效：{e}"))?;
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| format!("邮件无法生成：{e}"))?;
        let host = self.smtp.host.as_str();
        let builder = match self.smtp.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| format!("邮件服务器 {host}：{e}"))?,
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .map_err(|e| format!("邮件服务器 {host}：{e}"))?,
        };
        let transport = builder
            .port(self.smtp.port)
            .timeout(Some(ATTEMPT_TIMEOUT))
            .build();
        transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("邮件服务器 {host}:{} 未接收：{e}", self.smtp.port))
    }
}

/// A group robot's webhook (企业微信, 钉钉): a JSON text message posted to its URL.
#[derive(Debug, Clone)]
pub struct Webhook {
    client: reqwest::Client,
}

impl Default for Webhook {
    fn default() -> Self {
        Self::new()
    }
}

impl Webhook {
    pub fn new() -> Self {
        Self {
            client: reqwest::Client::builder()
                .timeout(ATTEMPT_TIMEOUT)
                .build()
                .unwrap_or_default(),
        }
    }

    /// The body a robot accepts for a text message.
    pub fn payload(subject: &str, body: &str) -> serde_json::Value {
        serde_json::json!({
            "msgtype": "text",
            "text": { "content": format!("{subject}\n{body}") },
        })
    }
}

#[async_trait]
impl Channel for Webhook {
    fn code(&self) -> &'static str {
        WEBHOOK
    }

    async fn send(&self, target: &str, subject: &str, body: &str) -> Result<(), String> {
        let r = self
            .client
            .post(target)
            .json(&Self::payload(subject, body))
            .send()
            .await
            .map_err(|e| format!("群机器人地址无法访问：{e}"))?;
        let status = r.status();
        let text = r.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(format!("群机器人返回 HTTP {status}：{}", cut(&text)));
        }
        // Both robots answer 200 with `errcode` 0 on success and another code on a refusal.
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
            && let Some(code) = v.get("errcode").and_then(serde_json::Value::as_i64)
            && code != 0
        {
            let msg = v.get("errmsg").and_then(|m| m.as_str()).unwrap_or("");
            return Err(format!("群机器人拒收（errcode {code}）：{}", cut(msg)));
        }
        Ok(())
    }
}

fn cut(s: &str) -> String {
    s.chars().take(200).collect()
}

/// The channels of the settings: e-mail when an SMTP server is set, webhooks always.
pub fn channels(settings: &NotifySettings) -> Vec<Box<dyn Channel>> {
    let mut out: Vec<Box<dyn Channel>> = vec![Box::new(Webhook::new())];
    if let Some(smtp) = &settings.smtp {
        out.push(Box::new(Email::new(smtp.clone())));
    }
    out
}

/// Queues the copies (stored now, sent by [`run`]).
pub async fn queue(store: &dyn Store, copies: &[NewDelivery]) -> Result<(), AppError> {
    if !copies.is_empty() {
        store.queue_deliveries(copies).await?;
    }
    Ok(())
}

/// What one run of the deliveries did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    pub sent: u32,
    /// Failed and to be tried again.
    pub retrying: u32,
    /// Failed for the last allowed time.
    pub failed: u32,
}

/// How many due deliveries one run sends at most.
const BATCH: u32 = 200;

/// When to try again after the `attempts`th failed attempt (`None`: give up).
pub fn retry_at(
    settings: &NotifySettings,
    attempts: u32,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let r = settings.retry;
    (attempts < r.attempts).then(|| {
        let factor = 1i64 << attempts.saturating_sub(1).min(20);
        now + TimeDelta::seconds(i64::from(r.backoff_seconds) * factor)
    })
}

/// Sends the deliveries due at `now` through `channels` (by code; a delivery without its channel
/// fails, retried like any failure) and records each attempt.
pub async fn run_with(
    store: &dyn Store,
    settings: &NotifySettings,
    channels: &[Box<dyn Channel>],
    now: DateTime<Utc>,
) -> Result<DeliveryReport, AppError> {
    let mut report = DeliveryReport::default();
    for d in store.due_deliveries(now, BATCH).await? {
        let result = match channels.iter().find(|c| c.code() == d.channel) {
            Some(c) => c.send(&d.target, &d.subject, &d.body).await,
            None => Err(format!("未配置{}发送", channel_label(&d.channel))),
        };
        let outcome = match result {
            Ok(()) => {
                report.sent += 1;
                AttemptOutcome::Sent
            }
            Err(error) => {
                let retry = retry_at(settings, d.attempts + 1, now);
                if retry.is_some() {
                    report.retrying += 1;
                } else {
                    report.failed += 1;
                }
                tracing::warn!(delivery = d.id, channel = %d.channel, %error, "通知外发失败");
                AttemptOutcome::Failed {
                    error,
                    retry_at: retry,
                }
            }
        };
        store.record_attempt(d.id, now, &outcome).await?;
    }
    Ok(report)
}

/// [`run_with`] the channels of the stored settings.
pub async fn run(store: &dyn Store, now: DateTime<Utc>) -> Result<DeliveryReport, AppError> {
    let settings = crate::config::notify_settings(store).await?;
    run_with(store, &settings, &channels(&settings), now).await
}

/// A page of the delivery log, newest first: administrators only.
pub async fn log(
    store: &dyn Store,
    p: &yiping_access::Principal,
    page: Page,
) -> Result<Paged<StoredDelivery>, AppError> {
    p.require(yiping_access::Capability::ManageUsers)?;
    Ok(store.deliveries(page).await?)
}
