//! Copies of notifications outside the platform (`yiping_app::delivery`), against a local SMTP
//! sink and a local HTTP receiver started here (no outside service): a dispatch queues an e-mail
//! to the handler and a post to the unit's group robot without sending anything in the request;
//! the delivery run sends them; a robot that fails is retried after its wait and logged; one that
//! keeps failing is given up after the configured attempts.

mod support;

use std::sync::{Arc, Mutex};

use chrono::{TimeDelta, Utc};
use support::on_both;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use yiping_access::{Principal, Role as UserRole};
use yiping_app::config::{self, ConfigSet};
use yiping_app::delivery::{self, DeliveryReport};
use yiping_app::work_items::FlowSetup;
use yiping_app::work_items::door::{self, Action};
use yiping_flow::{Channel, Command};
use yiping_kernel::EntityId;
use yiping_store::{DeliveryStatus, Page, Store};

/// One mail the sink accepted: the envelope's recipients and the message.
#[derive(Debug, Clone)]
struct Mail {
    rcpt: Vec<String>,
    data: String,
}

/// A minimal SMTP server on a free local port that accepts every mail.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<Mail>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let kept = mails.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let mails = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read);
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut rcpt = Vec::new();
                let mut line = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("RCPT") {
                        rcpt.push(line.trim().to_string());
                        b"250 ok\r\n"
                    } else if upper.starts_with("DATA") {
                        write.write_all(b"354 go on\r\n").await.unwrap();
                        let mut data = String::new();
                        loop {
                            line.clear();
                            lines.read_line(&mut line).await.unwrap();
                            if line == ".\r\n" {
                                break;
                            }
                            data.push_str(&line);
                        }
                        mails.lock().unwrap().push(Mail {
                            rcpt: std::mem::take(&mut rcpt),
                            data,
                        });
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, mails)
}

/// A minimal HTTP receiver on a free local port: answers 500 to the first `failures` posts
/// (`u32::MAX`: always), then 200 with `{"errcode":0}`; keeps every body.
async fn receiver(failures: u32) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/robot/send?key=test",
        listener.local_addr().unwrap()
    );
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let kept = bodies.clone();
    tokio::spawn(async move {
        let mut seen = 0u32;
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let mut reader = BufReader::new(socket);
            let mut length = 0usize;
            let mut line = String::new();
            loop {
                line.clear();
                if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).await.unwrap();
            kept.lock().unwrap().push(String::from_utf8(body).unwrap());
            let (status, answer) = if seen < failures {
                ("500 Internal Server Error", "busy")
            } else {
                ("200 OK", r#"{"errcode":0,"errmsg":"ok"}"#)
            };
            seen = seen.saturating_add(1);
            let reply = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
            let mut socket = reader.into_inner();
            let _ = socket.write_all(reply.as_bytes()).await;
            let _ = socket.shutdown().await;
        }
    });
    (url, bodies)
}

/// Decodes the base64 lines of a message body (what lettre writes for Chinese text).
fn base64_text(encoded: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in encoded.bytes() {
        let Some(v) = ALPHABET.iter().position(|a| *a == c) else {
            continue;
        };
        bits = (bits << 6) | v as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn dispatch(
    store: &dyn Store,
    admin: &Principal,
    district: EntityId,
    unit: EntityId,
    title: &str,
) {
    let setup = FlowSetup::load(store).await.unwrap();
    let new = support::event_in(district, title, Channel::Hotline);
    let item = door::create(store, &setup, admin, new, None)
        .await
        .unwrap()
        .item
        .item;
    let item = door::act(
        store,
        &setup,
        admin,
        Action::new(item.id, item.version, Command::Register),
        None,
    )
    .await
    .unwrap()
    .item
    .item;
    door::act(
        store,
        &setup,
        admin,
        Action::new(item.id, item.version, Command::Dispatch { unit }),
        None,
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispatch_is_mailed_and_posted_with_retries_and_a_log() {
    on_both(|store: Arc<dyn Store>| async move {
        let store = store.as_ref();
        let (smtp_port, mails) = smtp_sink().await;
        let (robot, posts) = receiver(1).await;
        let (district, cgj_unit) = support::city_with_district_and_department(store).await;
        let admin = support::person(store, "boss", UserRole::Admin, "500000").await;
        support::person(store, "cgj", UserRole::Handler, "D009").await;
        let notify = format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {smtp_port}\nfrom = \"一屏 <noreply@yiping.local>\"\n\n\
             [[email]]\nlogin = \"cgj\"\naddress = \"cgj@example.org\"\n\n\
             [[webhook]]\nunit = \"D009\"\nurl = \"{robot}\"\n\n\
             [retry]\nattempts = 3\nbackoff_seconds = 10\n"
        );
        config::apply(store, &admin, ConfigSet::new().with(config::NOTIFY, notify), false, support::monday(0))
            .await
            .unwrap();

        dispatch(store, &admin, district, cgj_unit, "窨井盖破损").await;
        // The request only queued the copies.
        assert!(mails.lock().unwrap().is_empty());
        assert!(posts.lock().unwrap().is_empty());
        let queued = store.deliveries(Page::default()).await.unwrap();
        assert_eq!(queued.total, 2, "{queued:?}");
        assert!(queued.items.iter().all(|d| d.status == DeliveryStatus::Pending));

        let now = Utc::now();
        let r = delivery::run(store, now).await.unwrap();
        assert_eq!(
            r,
            DeliveryReport {
                sent: 1,
                retrying: 1,
                failed: 0
            }
        );
        {
            let mails = mails.lock().unwrap();
            assert_eq!(mails.len(), 1);
            assert_eq!(mails[0].rcpt, ["RCPT TO:<cgj@example.org>"]);
            let (head, body) = mails[0].data.split_once("\r\n\r\n").unwrap();
            assert!(head.contains("To: cgj@example.org"), "{head}");
            assert!(head.contains("Subject: "), "{head}");
            let text = if head.contains("base64") { base64_text(body) } else { body.to_string() };
            assert!(text.contains("新派遣事项“窨井盖破损”，请签收"), "{text}");
        }
        // The robot answered 500 the first time: tried again after its wait, not before.
        assert_eq!(posts.lock().unwrap().len(), 1);
        let early = delivery::run(store, now + TimeDelta::seconds(5)).await.unwrap();
        assert_eq!(early, DeliveryReport::default());
        let r = delivery::run(store, now + TimeDelta::seconds(10)).await.unwrap();
        assert_eq!(r.sent, 1);
        let posts = posts.lock().unwrap().clone();
        assert_eq!(posts.len(), 2);
        let v: serde_json::Value = serde_json::from_str(&posts[1]).unwrap();
        assert_eq!(v["msgtype"], "text");
        let content = v["text"]["content"].as_str().unwrap();
        assert!(content.starts_with("派单：窨井盖破损\n"), "{content}");

        // The log: every attempt, with the robot's refusal named.
        let all = store.deliveries(Page::default()).await.unwrap();
        let hook = all.items.iter().find(|d| d.channel == "webhook").unwrap();
        assert_eq!((hook.status, hook.attempts), (DeliveryStatus::Sent, 2));
        let log = store.delivery_attempts(hook.id).await.unwrap();
        assert_eq!(log.len(), 2);
        assert!(!log[0].ok && log[0].detail.contains("HTTP 500"), "{log:?}");
        assert!(log[1].ok);
        // Nothing is left to send.
        let idle = delivery::run(store, now + TimeDelta::hours(1)).await.unwrap();
        assert_eq!(idle, DeliveryReport::default());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_robot_that_keeps_failing_is_given_up_after_the_configured_attempts() {
    on_both(|store: Arc<dyn Store>| async move {
        let store = store.as_ref();
        let (robot, posts) = receiver(u32::MAX).await;
        let (district, cgj_unit) = support::city_with_district_and_department(store).await;
        let admin = support::person(store, "boss", UserRole::Admin, "500000").await;
        support::person(store, "cgj", UserRole::Handler, "D009").await;
        let notify = format!(
            "[[webhook]]\nunit = \"D009\"\nurl = \"{robot}\"\n\n[retry]\nattempts = 3\nbackoff_seconds = 10\n"
        );
        config::apply(store, &admin, ConfigSet::new().with(config::NOTIFY, notify), false, support::monday(0))
            .await
            .unwrap();
        dispatch(store, &admin, district, cgj_unit, "路灯不亮").await;
        let queued = store.deliveries(Page::default()).await.unwrap();
        assert_eq!(queued.total, 1, "no e-mail without an SMTP server");

        let now = Utc::now();
        // Waits of 10 s, then 20 s.
        let mut reports = Vec::new();
        for secs in [0, 10, 29, 30, 3600] {
            reports.push(delivery::run(store, now + TimeDelta::seconds(secs)).await.unwrap());
        }
        let counts: Vec<(u32, u32, u32)> =
            reports.iter().map(|r| (r.sent, r.retrying, r.failed)).collect();
        assert_eq!(counts, [(0, 1, 0), (0, 1, 0), (0, 0, 0), (0, 0, 1), (0, 0, 0)]);
        assert_eq!(posts.lock().unwrap().len(), 3);
        let d = &store.deliveries(Page::default()).await.unwrap().items[0];
        assert_eq!((d.status, d.attempts), (DeliveryStatus::Failed, 3));
        assert_eq!(store.delivery_attempts(d.id).await.unwrap().len(), 3);
    })
    .await;
}
