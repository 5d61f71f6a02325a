//! What a client may put in an item's extras, checked at the door for every front end (the JSON
//! API, the pages, the CLI and Open311) alike.
//!
//! - Links the system writes — `alert` (an early-warning firing), `evaluation` (an evaluation
//!   result) and `token` (the Open311 receipt) — are never accepted from a client: a forged link
//!   would make the system believe the real problem was already raised and never raise it.
//! - Texts have one limit each ([`MAX_DESCRIPTION_CHARS`] for a description, as GeoReport v2
//!   allows), refused as [`AppError::TooLarge`] (413 over HTTP).
//! - A `media_url` is an `http` or `https` address (never `javascript:` or `data:`), since it is
//!   republished to anonymous Open311 readers.

use yiping_store::ItemExtras;

use crate::AppError;

/// The longest description, in characters (GeoReport v2's limit, used everywhere).
pub const MAX_DESCRIPTION_CHARS: usize = 4000;
/// The longest address, address id or problem source, in characters.
pub const MAX_SHORT_TEXT_CHARS: usize = 200;
/// The longest media address, in characters.
pub const MAX_URL_CHARS: usize = 2000;
/// The most attribute codes, and the most values of one attribute.
pub const MAX_ATTRIBUTES: usize = 50;

/// Refuses extras carrying a system-written link, an oversized text or a media address that is
/// not `http(s)`.
pub fn check_client_extras(x: &ItemExtras) -> Result<(), AppError> {
    let forged = [
        ("alert", x.alert.is_some()),
        ("evaluation", x.evaluation.is_some()),
        ("token", x.token.is_some()),
    ];
    if let Some((name, _)) = forged.iter().find(|(_, set)| *set) {
        return Err(AppError::invalid(format!(
            "extras.{name} 由系统写入，不能由客户端提交"
        )));
    }
    let limit = |field: &str, text: Option<&str>, max: usize| -> Result<(), AppError> {
        match text.map(|t| t.chars().count()) {
            Some(n) if n > max => Err(AppError::TooLarge(format!(
                "{field}不能超过 {max} 个字符，实有 {n} 个"
            ))),
            _ => Ok(()),
        }
    };
    limit("描述", x.description.as_deref(), MAX_DESCRIPTION_CHARS)?;
    limit("地址", x.address.as_deref(), MAX_SHORT_TEXT_CHARS)?;
    limit("地址编号", x.address_id.as_deref(), MAX_SHORT_TEXT_CHARS)?;
    limit(
        "问题来源",
        x.problem_source.as_deref(),
        MAX_SHORT_TEXT_CHARS,
    )?;
    limit("图片地址", x.media_url.as_deref(), MAX_URL_CHARS)?;
    if x.attributes.len() > MAX_ATTRIBUTES {
        return Err(AppError::TooLarge(format!(
            "属性不能超过 {MAX_ATTRIBUTES} 项，实有 {} 项",
            x.attributes.len()
        )));
    }
    for (code, values) in &x.attributes {
        limit("属性代码", Some(code), MAX_SHORT_TEXT_CHARS)?;
        if values.len() > MAX_ATTRIBUTES {
            return Err(AppError::TooLarge(format!(
                "属性 {code} 的取值不能超过 {MAX_ATTRIBUTES} 个"
            )));
        }
        for v in values {
            limit("属性取值", Some(v), MAX_SHORT_TEXT_CHARS)?;
        }
    }
    if let Some(url) = &x.media_url {
        check_media_url(url)?;
    }
    Ok(())
}

/// An `http://` or `https://` address with a host and no spaces or control characters.
fn check_media_url(url: &str) -> Result<(), AppError> {
    let t = url.trim();
    let lower = t.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let ok = rest.is_some_and(|r| {
        !r.is_empty()
            && !r.starts_with('/')
            && !t.chars().any(|c| c.is_whitespace() || c.is_control())
    });
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid(format!(
            "图片地址“{}”无效：只接受 http:// 或 https:// 开头的网址",
            t.chars().take(80).collect::<String>()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yiping_kernel::EntityId;
    use yiping_store::{AlertLink, EvaluationLink};

    #[test]
    fn system_links_are_refused() {
        let alert = ItemExtras {
            alert: Some(AlertLink {
                rule: "R".into(),
                indicator: "I".into(),
                period: "2025Q1".into(),
                entity: EntityId(1),
                value: 0.0,
                threshold: 0.0,
                severity: "critical".into(),
            }),
            ..ItemExtras::default()
        };
        let evaluation = ItemExtras {
            evaluation: Some(EvaluationLink {
                scheme: "s".into(),
                period: "2025Q1".into(),
                entity: EntityId(1),
                indicators: vec![],
                grade: None,
                colour: None,
                score: None,
            }),
            ..ItemExtras::default()
        };
        let token = ItemExtras {
            token: Some("abc".into()),
            ..ItemExtras::default()
        };
        for (x, name) in [
            (alert, "alert"),
            (evaluation, "evaluation"),
            (token, "token"),
        ] {
            let e = check_client_extras(&x).unwrap_err();
            assert!(matches!(e, AppError::Invalid(_)), "{e:?}");
            assert!(e.to_string().contains(name), "{e}");
        }
        assert!(check_client_extras(&ItemExtras::default()).is_ok());
    }

    #[test]
    fn long_texts_are_too_large_and_media_must_be_http() {
        let long = ItemExtras {
            description: Some("长".repeat(MAX_DESCRIPTION_CHARS + 1)),
            ..ItemExtras::default()
        };
        assert!(matches!(
            check_client_extras(&long),
            Err(AppError::TooLarge(_))
        ));
        let fits = ItemExtras {
            description: Some("长".repeat(MAX_DESCRIPTION_CHARS)),
            ..ItemExtras::default()
        };
        assert!(check_client_extras(&fits).is_ok());
        for bad in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "data:text/html,x",
            "//evil.example/x",
            "http:///x",
            "https://a b",
            "ftp://x",
        ] {
            let x = ItemExtras {
                media_url: Some(bad.into()),
                ..ItemExtras::default()
            };
            assert!(check_client_extras(&x).is_err(), "{bad}");
        }
        for good in ["https://example.org/a.jpg", "HTTP://example.org/b.png"] {
            let x = ItemExtras {
                media_url: Some(good.into()),
                ..ItemExtras::default()
            };
            assert!(check_client_extras(&x).is_ok(), "{good}");
        }
    }
}
