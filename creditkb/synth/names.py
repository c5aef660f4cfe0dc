"""Names of people and firms, phones and addresses; the kinds of enterprise."""

from __future__ import annotations

import numpy as np

from creditkb.synth.draw import _digits


_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
                 "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
# Zipf-like: 王/李/张 are each ~7% of the population, the hundredth surname ~0.2%.
_SURNAME_P = 1.0 / np.arange(1, len(_SURNAMES) + 1) ** 0.9
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力宇浩凯鹏飞志国庆海波林宁东"
              "斌春雪梅亮晨阳鑫俊峰新成龙云祥荣福贵兵锋宏卫忠义德胜立学金")
_TRADE = list("顺达恒通安泰华远盛宏鑫运航海江祥瑞福兴隆丰源昌利凯越捷骏宇诚信德和平金鼎力新康永长龙亚欧中港汇舟程")
_ROADS = ["人民路", "解放路", "中山路", "建设路", "长江路", "滨江大道", "港口路", "工业园路", "交通路", "胜利路",
          "新华路", "运河路", "友谊路", "黄河路", "和平路", "开发区大道"]
ENTERPRISE_TYPES = {  # type: (share, name suffixes)
    "普货": (0.27, ("物流有限公司", "货运有限公司", "运输有限公司")),
    "危货": (0.07, ("危险品运输有限公司", "化工物流有限公司")),
    "客运": (0.06, ("汽车客运有限公司", "旅游客运有限公司")),
    "出租汽车": (0.05, ("出租汽车有限公司",)),
    "网约车平台": (0.01, ("出行科技有限公司", "网络科技有限公司")),
    "驾培": (0.04, ("机动车驾驶员培训有限公司", "驾驶培训学校有限公司")),
    "航运": (0.32, ("航运有限公司", "船务有限公司", "海运有限公司")),
    "船舶修造": (0.04, ("船舶修造有限公司", "造船有限公司")),
    "船舶设计": (0.01, ("船舶设计有限公司",)),
    "船用产品": (0.03, ("船用设备有限公司", "船舶配件有限公司")),
    "检验检测": (0.03, ("检测技术有限公司",)),
    "公路施工": (0.05, ("路桥工程有限公司", "交通建设工程有限公司")),
    "监理": (0.02, ("工程监理咨询有限公司",)),
}
ETYPE_NAMES = np.array(list(ENTERPRISE_TYPES), dtype=object)
# Vehicle owners and the vehicle type each of them runs.
VEHICLE_OF_TYPE = {"客运": "客车", "危货": "危险货物运输车", "普货": "普通货车",
                   "出租汽车": "巡游出租车", "网约车平台": "网约车"}
ROAD_TYPES = ("普货", "危货", "客运", "出租汽车", "网约车平台", "驾培")


def _person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """Chinese personal names: a common surname and one or two given characters."""
    p = _SURNAME_P / _SURNAME_P.sum()
    sur = np.array(_SURNAMES, dtype=object)[rng.choice(len(_SURNAMES), n, p=p)]
    given = np.array(_GIVEN, dtype=object)
    g1 = given[rng.integers(0, len(given), n)]
    g2 = np.where(rng.random(n) < 0.7, given[rng.integers(0, len(given), n)], "")
    return sur + g1 + g2


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """Mobile numbers (13x-19x) and some landlines."""
    mobile = "1" + rng.integers(3, 10, n).astype(str).astype(object) + _digits(rng, n, 9)
    land = "0" + rng.integers(10, 1000, n).astype(str).astype(object) + "-" + _digits(rng, n, 8)
    return np.where(rng.random(n) < 0.75, mobile, land)
