#!/usr/bin/env python3
"""Derives data/chongqing-districts.csv and data/cn-holidays.csv from the project's research files.

chongqing-districts.csv = the research file (38 区县 with GB/T 2260 codes, 3 functional areas
without a code, published figures and their sources) plus classification columns:
  short_name   the short name used in tables (渝中, 石柱, 高新区)
  aliases      other names, ';'-separated: other short forms and former names (开县 → 开州区)
  region_group 主城都市区 / 渝东北 / 渝东南 (Chongqing's 一区两群 division, 2020 onwards)
  sub_group    中心城区 (9 districts) / 主城新区 (12 districts and 万盛经开区) inside 主城都市区;
               功能区 for the three functional areas
and one figure the research file gives only in its source note: the city's retail growth 2024 Q1–Q3.
cn-holidays.csv is a verbatim copy.

Usage: scripts/derive-districts.py [SHARED_DATA_DIR]   (default /work/shared/data)
"""
import csv
import io
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data")

CENTRAL = "渝中 大渡口 江北 沙坪坝 九龙坡 南岸 北碚 渝北 巴南".split()
NEW_AREA = "涪陵 长寿 江津 合川 永川 南川 綦江 大足 璧山 铜梁 潼南 荣昌".split()
NORTHEAST = "万州 开州 梁平 城口 丰都 垫江 忠县 云阳 奉节 巫山 巫溪".split()
SOUTHEAST = "黔江 武隆 石柱 秀山 酉阳 彭水".split()

# name -> (short name, aliases)
SPECIAL = {
    "重庆市": ("重庆", ["全市"]),
    "忠县": ("忠县", []),
    "两江新区": ("两江", ["重庆两江新区"]),
    "西部科学城重庆高新区": ("高新区", ["重庆高新区", "重庆高新技术产业开发区"]),
    "万盛经开区": ("万盛", ["万盛经济技术开发区", "重庆万盛经济技术开发区", "万盛区"]),
}
# Former names of districts upgraded from counties since 2011.
FORMER = {
    "大足区": ["大足县"], "綦江区": ["綦江县"], "璧山区": ["璧山县"], "铜梁区": ["铜梁县"],
    "潼南区": ["潼南县"], "荣昌区": ["荣昌县"], "开州区": ["开县"], "梁平区": ["梁平县"],
    "武隆区": ["武隆县"],
}
FUNCTIONAL_GROUP = {"两江新区": "主城都市区", "西部科学城重庆高新区": "主城都市区", "万盛经开区": "主城都市区"}
FUNCTIONAL_SUB = {"万盛经开区": "主城新区"}
CITY_RETAIL_Q1Q3 = "3.8"  # stated in the city row's source note (chinanews, 2024 Q1–Q3)


def short_name(name: str) -> str:
    if name in SPECIAL:
        return SPECIAL[name][0]
    for suffix in ("土家族苗族自治县", "苗族土家族自治县", "土家族自治县", "区", "县"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    raise SystemExit(f"no short name rule for {name}")


def groups(name: str, short: str) -> tuple[str, str]:
    if name == "重庆市":
        return "", ""
    if name in FUNCTIONAL_GROUP:
        return FUNCTIONAL_GROUP[name], "功能区;" + FUNCTIONAL_SUB.get(name, "")
    for members, group, sub in ((CENTRAL, "主城都市区", "中心城区"), (NEW_AREA, "主城都市区", "主城新区"),
                                (NORTHEAST, "渝东北", ""), (SOUTHEAST, "渝东南", "")):
        if short in members:
            return group, sub
    raise SystemExit(f"{name} is in no group")


def main() -> None:
    src = (SHARED / "chongqing-districts.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(src)))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["code", "name", "unit_type"] and header[-1] == "source", header
    figures = header[3:-1]
    out_header = ["code", "name", "short_name", "aliases", "region_group", "sub_group", "unit_type",
                  *figures, "retail_2024q1q3_growth_pct", "source"]
    out = io.StringIO()
    out.write("# 重庆市、38个区县（GB/T 2260 代码）和3个功能区（无代码）及公开发布的统计数字。生成脚本：scripts/derive-districts.py。\n")
    out.write("# Figures are as published; each row's source column names where. Empty cells = not found. Functional areas overlap districts (万盛经开区 lies in 綦江区).\n")
    out.write("# region_group/sub_group: 一区两群 division (主城都市区 = 中心城区 9 + 主城新区 12 + 万盛经开区; 渝东北 11; 渝东南 6); aliases and sub_group are ';'-separated.\n")
    w = csv.writer(out, lineterminator="\n")
    w.writerow(out_header)
    for r in body:
        code, name, unit_type = r[0], r[1], r[2]
        short = short_name(name)
        aliases = [a for a in SPECIAL.get(name, ("", []))[1] + FORMER.get(name, []) if a != name]
        group, sub = groups(name, short)
        retail = CITY_RETAIL_Q1Q3 if code == "500000" else ""
        w.writerow([code, name, short, ";".join(aliases), group, sub.strip(";"), unit_type, *r[3:-1], retail, r[-1]])
    (ROOT / "data" / "chongqing-districts.csv").write_text(out.getvalue(), encoding="utf-8")
    shutil.copyfile(SHARED / "cn-holidays-2024-2026.csv", ROOT / "data" / "cn-holidays.csv")
    print(f"derive-districts: wrote {len(body)} regions and copied the holiday calendar")


if __name__ == "__main__":
    main()
