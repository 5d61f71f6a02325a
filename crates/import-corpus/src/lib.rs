//! The importer's test corpus (issue 20): files of the kinds bureaus really send, awkward or
//! malformed, each written by code with the outcome it must have.
//!
//! Every [`Case`] is one file (CSV or XLSX bytes) of one class of fault — units, periods,
//! formulas, structure, resources, encodings, names — and an [`Expect`]: accepted with exactly
//! these rows (and these warnings), or refused with a message containing these fragments. The
//! files resolve against [`catalog_files`] (regions and indicators shaped like the demo's), which
//! are imported first. Accepted cases each use their own year, so that they can run one after
//! another on one database and each adds exactly its rows.
//!
//! Used by the app's corpus test (SQLite and PostgreSQL: a refused file leaves the export byte
//! for byte unchanged, an accepted one adds exactly its rows), by the page test (the upload
//! preview shows what the command line shows), and by `bench/import-corpus`, which writes the
//! corpus with the binary of this crate (`--heavy` adds the 1,048,576-row sheets) and measures
//! the peak memory of each import.

mod cases;
mod xlsx;

use std::path::Path;

use serde::Serialize;

pub use cases::cases;

/// What an import of a case must do.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Expect {
    /// Stored, adding exactly `rows` (`count` of them; the big sheets list none and only the
    /// count is checked); each of `warnings` appears in the import's warnings.
    Accept {
        rows: Vec<Row>,
        count: usize,
        warnings: Vec<&'static str>,
    },
    /// Refused whole; the message (every problem, one per line) contains each fragment.
    Reject { fragments: Vec<&'static str> },
}

/// An observation as the exporter writes it: entity code, indicator code, period code, 口径
/// (数值 or 增速) and the value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub entity: String,
    pub indicator: &'static str,
    pub period: String,
    pub measure: &'static str,
    pub value: f64,
}

/// A level (口径 数值).
pub fn level(entity: &str, indicator: &'static str, period: &str, value: f64) -> Row {
    Row {
        entity: entity.to_string(),
        indicator,
        period: period.to_string(),
        measure: "数值",
        value,
    }
}

/// A reported growth rate (口径 增速).
pub fn growth(entity: &str, indicator: &'static str, period: &str, value: f64) -> Row {
    Row {
        measure: "增速",
        ..level(entity, indicator, period, value)
    }
}

/// Accepted with exactly these rows and warnings.
pub fn accept(rows: Vec<Row>, warnings: &[&'static str]) -> Expect {
    Expect::Accept {
        count: rows.len(),
        rows,
        warnings: warnings.to_vec(),
    }
}

/// Refused with a message holding each fragment.
pub fn reject(fragments: &[&'static str]) -> Expect {
    Expect::Reject {
        fragments: fragments.to_vec(),
    }
}

/// One file of the corpus.
#[derive(Debug, Clone)]
pub struct Case {
    /// The file name (its extension chooses CSV or XLSX).
    pub name: String,
    /// The class of fault (issue 20's list): 单位, 时期, 公式, 结构, 资源, 编码, 名称.
    pub class: &'static str,
    /// What the file is, in a few words.
    pub about: &'static str,
    pub bytes: Vec<u8>,
    pub expect: Expect,
    /// Needs a catalogue beyond [`catalog_files`] ([`heavy_catalog`]) and minutes, not seconds:
    /// written only with `--heavy`.
    pub heavy: bool,
}

/// The entity and indicator tables to import before the cases (file name, bytes).
pub fn catalog_files() -> Vec<(&'static str, Vec<u8>)> {
    let entities = "\
类型,代码,名称,别名,层级,上级代码
地区,500000,重庆市,重庆,1,
地区,500103,渝中区,渝中,2,500000
地区,500106,沙坪坝区,沙坪坝,2,500000
地区,500112,渝北区,渝北,2,500000
地区,500240,石柱土家族自治县,石柱,2,500000
地区,500241,秀山土家族苗族自治县,秀山,2,500000
地区,500242,酉阳土家族苗族自治县,酉阳,2,500000
地区,500243,彭水苗族土家族自治县,彭水,2,500000
地区,,长寿经济技术开发区,长寿经开区;经开区,2,500000
地区,,万州经济技术开发区,万州经开区;经开区,2,500000
";
    let indicators = "\
代码,名称,别名,计量单位,频率,类型,取值范围
GDP,地区生产总值,生产总值,亿元,季,累计值,≥0
FAI,固定资产投资,固投,亿元,月,累计值,≥0
RETAIL,社会消费品零售总额,社零,亿元,月,累计值,≥0
RD_INTENSITY,研发投入强度,,%,年,比率,0—100
LAND_MU,用地面积,,亩,年,水平值,≥0
ENT_TAX,评价税收,,万元,年,水平值,≥0
ENT_EMPLOYEES,年平均职工人数,,人,年,水平值,≥0
INCOME,居民人均可支配收入,,元,季,累计值,≥0
";
    vec![
        ("00-主体.csv", entities.as_bytes().to_vec()),
        ("01-指标.csv", indicators.as_bytes().to_vec()),
    ]
}

/// How many enterprises the big sheets name (and [`heavy_catalog`] defines).
pub const HEAVY_ENTERPRISES: usize = 20_000;

/// The enterprises the big sheets are about (file name, bytes), imported after
/// [`catalog_files`].
pub fn heavy_catalog() -> (&'static str, Vec<u8>) {
    let mut s = String::from("类型,代码,名称,层级\n");
    for i in 0..HEAVY_ENTERPRISES {
        s.push_str(&format!("企业,HV{i:05},压力测试企业{i:05},1\n"));
    }
    ("02-压力测试企业.csv", s.into_bytes())
}

/// What [`write`] wrote: one entry per file, in import order.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub catalog: Vec<String>,
    pub cases: Vec<ManifestCase>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ManifestCase {
    pub file: String,
    pub class: &'static str,
    pub about: &'static str,
    pub heavy: bool,
    /// `accept` or `reject`.
    pub outcome: &'static str,
    /// Reject: fragments of the message; accept: fragments of the warnings.
    pub fragments: Vec<&'static str>,
    /// Accept: the number of rows the import adds.
    pub rows: usize,
}

/// Why the corpus could not be written.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("无法写入“{path}”：{source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("无法生成清单：{0}")]
    Json(#[from] serde_json::Error),
}

fn put(path: &Path, bytes: &[u8]) -> Result<(), CorpusError> {
    std::fs::write(path, bytes).map_err(|source| CorpusError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Writes the catalogue, the cases (the heavy ones too when `heavy`) and `manifest.json` into
/// `dir`, and returns the manifest.
pub fn write(dir: &Path, heavy: bool) -> Result<Manifest, CorpusError> {
    std::fs::create_dir_all(dir).map_err(|source| CorpusError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let mut catalog: Vec<(&str, Vec<u8>)> = catalog_files();
    if heavy {
        catalog.push(heavy_catalog());
    }
    for (name, bytes) in &catalog {
        put(&dir.join(name), bytes)?;
    }
    let mut entries = Vec::new();
    for case in cases(heavy) {
        put(&dir.join(&case.name), &case.bytes)?;
        let (outcome, fragments, rows) = match &case.expect {
            Expect::Accept {
                count, warnings, ..
            } => ("accept", warnings.clone(), *count),
            Expect::Reject { fragments } => ("reject", fragments.clone(), 0),
        };
        entries.push(ManifestCase {
            file: case.name.clone(),
            class: case.class,
            about: case.about,
            heavy: case.heavy,
            outcome,
            fragments,
            rows,
        });
    }
    let manifest = Manifest {
        catalog: catalog.iter().map(|(n, _)| n.to_string()).collect(),
        cases: entries,
    };
    put(
        &dir.join("manifest.json"),
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )?;
    Ok(manifest)
}
