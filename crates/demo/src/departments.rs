//! City departments (市级部门): the owners of indicators and the receivers of work items.

use yiping_kernel::{EntityCode, EntityKind, NewEntity};

use super::DemoEntity;
use super::regions::CITY_KEY;

/// Code, short name as used in documents, full name.
pub(super) const DEPARTMENTS: [(&str, &str, &str); 20] = [
    ("D001", "市发展改革委", "重庆市发展和改革委员会"),
    ("D002", "市经济信息委", "重庆市经济和信息化委员会"),
    ("D003", "市统计局", "重庆市统计局"),
    ("D004", "市财政局", "重庆市财政局"),
    ("D005", "市商务委", "重庆市商务委员会"),
    ("D006", "市科技局", "重庆市科学技术局"),
    ("D007", "市生态环境局", "重庆市生态环境局"),
    ("D008", "市住房城乡建委", "重庆市住房和城乡建设委员会"),
    ("D009", "市城市管理局", "重庆市城市管理局"),
    ("D010", "市市场监管局", "重庆市市场监督管理局"),
    ("D011", "市税务局", "国家税务总局重庆市税务局"),
    ("D012", "市应急管理局", "重庆市应急管理局"),
    ("D013", "市规划自然资源局", "重庆市规划和自然资源局"),
    ("D014", "市人力社保局", "重庆市人力资源和社会保障局"),
    ("D015", "市国资委", "重庆市国有资产监督管理委员会"),
    ("D016", "市大数据发展局", "重庆市大数据应用发展管理局"),
    ("D017", "市农业农村委", "重庆市农业农村委员会"),
    ("D018", "市交通运输委", "重庆市交通运输委员会"),
    ("D019", "市公安局", "重庆市公安局"),
    ("D020", "市政府办公厅", "重庆市人民政府办公厅"),
];

pub(super) fn build() -> Vec<DemoEntity> {
    DEPARTMENTS
        .iter()
        .map(|&(code, name, full)| {
            let code = EntityCode::parse(code).expect("a valid department code");
            let entity = NewEntity::new(EntityKind::Department, Some(code.clone()), name, 2)
                .expect("a valid department")
                .with_aliases([full])
                .with_groups(["市级部门"]);
            DemoEntity {
                key: code.as_str().to_string(),
                entity,
                parent_key: Some(CITY_KEY.to_string()),
            }
        })
        .collect()
}
