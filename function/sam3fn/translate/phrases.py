"""Rule-based translation of simple Chinese noun phrases built from glossary words.

Chinese puts every modifier before the noun: 左边 穿蓝色夹克 的 小 狗. The parser reads a prompt as

    phrase    := quantity? modifier* head        (quantity: 一只, 两辆, 3个, 这些, 一群, 所有的 ...)
               | numeral size? container phrase  (一碗面条 "bowl of noodles", 一大盘水果 "big plate of fruit")
    modifier  := located | pick | adjective | side 的? | clause (和? clause)* 的   (背着书包和拿着伞的)
    pick      := 最 quality 的? | (side-counted-from)? ordinal | 最后 的?  (最大的, 最左边的, 左边第二个, 第二大的, 倒数第二个)
    adjective := colour (和 colour)? 的? | size 的? | material 的? | state 的  (红色, 红色和白色, 大的, 木制, 破碎的)
    clause    := feature | 有/没有 object (和 object)? | 正在? action | 在 action | position  (金色头发, 没有叶子, 躺着)
    action    := idiom | verb phrase (和 phrase)? | posture (place | ground)  (踢足球, 戴帽子和眼镜, 停在路边)
    place     := place word | viewer place | 第N排 | phrase 上/里/旁边/门口/左边...  (路边, 地上, 家里, 里面, 楼上,
                 第二排, 桌子上, 学校门口)
    ground    := phrase whose head names a place (GROUNDS)        (公园 park, 厨房 kitchen, 机场 airport)
    located   := (在? place | 在 ground) (正在? action | posture着)? 的  (桌子上的, 在水里游泳的, 在公园散步的)
    feature   := adjective+ feature word | adjective* hair word  (金色头发, 长尾巴, 金发; a hair word needs no 的)
    object    := quantity? (adjective* feature word | modifier* head)   (有轮子, 有院子, 有四个轮子)
    head      := glossary word (longest first) | part | latin word
    part      := phrase 的 part word | bare head part word       (猫的眼睛 "eye of cat", 汽车轮胎 "car tire")

Alternatives are listed in the order the parser prefers them, and it answers with the first parse that covers
the whole prompt; anything else is left to Argos. A place comes first so that its ground takes the words
before 上 (红色桌子上的杯子: a cup on a red table); a feature needs an adjective and a feature word as its head
(金色头发的女孩 "girl with golden hair", but 小狗的主人 is not "owner with small dog"). Clauses in a row may
share one 的 (穿着外套戴着帽子的人). English order: ordinal, superlative, size, state, colour (two joined:
黑白色的狗 -> "black and white dog"), material, head, the side an ordinal counts from ("second person from the
left"), then the clauses in Chinese order ("wearing ...", "with ...", "parked by the roadside", "on ..."), then
"on the left". A prompt that first names the picture (图中的狗, 照片里的) starts after it. What
is worn, held or had takes "a"/"an" when English counts it as one thing ("man wearing a hat", "chair with wheels"), and
keeps its count in the plural when the prompt gives one (拿着两把刀的人 -> "person holding two knives"), though
the count before the head goes (两只狗 -> "dog": SAM 3 finds every instance anyway). A part of a thing is said
as English says it: without 的 a compound ("car tire", "table leg"), with 的 "of" its whole, which keeps what
describes the whole on the whole: 红色汽车的车门 -> "door of red car", 大狗的尾巴 -> "tail of big dog".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from itertools import groupby

from pluralizer import Pluralizer

from .glossary import Glossary

COLOURS = {
    "红": "red", "橙": "orange", "橘色": "orange", "黄": "yellow", "绿": "green", "青": "cyan", "蓝": "blue",
    "紫": "purple", "粉": "pink", "粉红": "pink", "黑": "black", "白": "white", "灰": "gray", "棕": "brown",
    "褐": "brown", "咖啡色": "brown", "金": "golden", "金黄": "golden", "银": "silver", "米色": "beige",
    "深蓝": "dark blue", "浅蓝": "light blue", "天蓝": "sky blue", "深绿": "dark green", "浅绿": "light green",
}  # fmt: skip
SIZES = {"大": "big", "小": "small", "巨大": "huge", "高": "tall", "矮": "short", "长": "long", "短": "short"}
# States need their 的: many are single characters that begin glossary words (干草 hay, 新娘 bride, 空调 air
# conditioner), and 破碎的 is how a prompt says them anyway. Participles English uses as adjectives (睡着的
# sleeping, 停着的 parked) go before the head too: "sleeping cat", "parked car". Body positions do not: POSITIONS.
STATES = {
    "破": "broken", "破碎": "broken", "破损": "damaged", "坏掉": "broken", "生锈": "rusty", "湿": "wet",
    "干": "dry", "空": "empty", "满": "full", "打开": "open", "开着": "open", "关着": "closed", "关闭": "closed",
    "倒下": "fallen", "成熟": "ripe", "腐烂": "rotten", "干净": "clean", "脏": "dirty", "新": "new", "旧": "old",
    "透明": "transparent", "圆": "round", "圆形": "round", "方形": "square", "年轻": "young", "年老": "old",
    "有条纹": "striped", "带条纹": "striped", "有斑点": "spotted", "带斑点": "spotted", "毛茸茸": "fluffy",
    "停着": "parked", "睡着": "sleeping", "睡觉": "sleeping", "正在睡觉": "sleeping", "奔跑": "running",
    "正在跑": "running", "飞行": "flying", "正在飞": "flying", "微笑": "smiling",
    # 发 + what it gives off or grows: also why 红发光 is red + 发光, not red hair (see _yields_fa)
    "发光": "glowing", "发亮": "shining", "发芽": "sprouting", "发霉": "moldy",
    # what annotation guidelines ask about an instance (被遮挡的汽车 -> "occluded car")
    "遮挡": "occluded", "被遮挡": "occluded", "被挡住": "occluded", "部分遮挡": "partially occluded",
    "截断": "truncated", "被截断": "truncated", "模糊": "blurry",
    # what a safety camera is asked about (摔倒的人 -> "fallen person"), and a seat no one sits in
    "摔倒": "fallen", "跌倒": "fallen", "空着": "empty",
    # what city-management and traffic cameras are annotated for (违停的汽车, 溢出的垃圾桶, 被占用的盲道)
    "倒地": "fallen", "违停": "illegally parked", "违章停车": "illegally parked", "违规停放": "illegally parked",
    "溢出": "overflowing", "满溢": "overflowing", "堆放": "piled", "裸露": "bare", "结冰": "icy",
    "被占用": "occupied",
    # what a crop or a shop shelf is inspected for (未成熟的番茄, 倒伏的小麦, 缺货的货架, 放歪的商品)
    "未成熟": "unripe", "不成熟": "unripe", "枯黄": "withered", "枯萎": "withered", "倒伏": "lodged",
    "缺货": "empty", "放歪": "crooked", "歪": "crooked",
    # what an inspector or an aerial-image annotator asks for (缺失的螺丝, 松动的螺丝, 停车的汽车)
    "停车": "parked", "缺失": "missing", "松动": "loose", "变形": "deformed", "凹陷": "dented", "锈蚀": "corroded",
    "变色": "discolored",
    # what was done to food (切开的西瓜, 吃了一半的苹果), as a kitchen or shop annotator asks
    "切开": "cut", "被切开": "cut", "切好": "sliced", "切片": "sliced", "去皮": "peeled", "剥皮": "peeled", "削皮": "peeled",
    "吃了一半": "half-eaten", "咬过": "bitten", "烤焦": "burnt", "烧焦": "burnt", "煮熟": "cooked",
    "锋利": "sharp",
    # how a person or an animal is, as a scene is annotated (受伤的人, 哭泣的孩子, 跳起来的狗, 光头的男人)
    "受伤": "injured", "哭泣": "crying", "生气": "angry", "光头": "bald", "跳起来": "jumping",
    # what a city camera asks about a road or a truck (积水的路面, 未覆盖的渣土车)
    "积水": "flooded", "未覆盖": "uncovered", "没覆盖": "uncovered",
    # how a thing looks, is built or grows (胖胖的猫, 崭新的汽车, 亮着的灯, 盛开的花)
    "高个子": "tall", "胖": "fat", "胖胖": "fat", "瘦": "thin", "瘦瘦": "thin", "老旧": "old", "崭新": "brand-new",
    "彩色": "colorful", "亮着": "lit", "熄灭": "unlit", "燃烧": "burning", "冒烟": "smoking", "弯曲": "bent",
    "倒塌": "collapsed", "满是灰尘": "dusty", "湿漉漉": "wet", "干枯": "dry", "茂盛": "lush", "盛开": "blooming",
    "凋谢": "wilted", "关上": "closed", "违章停放": "illegally parked", "赤脚": "barefoot", "光脚": "barefoot",
    # said with 了 as often as without (破了的窗户, 碎了的杯子, 断了的树枝), and what is half done
    "碎": "broken", "断": "broken", "坏": "broken", "烂": "rotten", "半开": "half-open", "半满": "half-full",
    # a height said with 个子 (个子高的人), as 高个子 is
    "个子高": "tall", "个子矮": "short", "有花纹": "patterned", "带花纹": "patterned",
    "开启": "open",  # Taiwan's 開啟 for 打开, the state as the verb (VERBS) is
    "枯死": "dead", "死": "dead", "死掉": "dead",
}  # fmt: skip
# A one-character adjective said twice says it once, fondly (小小的花 "small flower", 圆圆的脸 "round face", 红红的苹果):
# read as one word, so 圆圆 is not 圆 "circle" described as 圆 "round".
for _table in (COLOURS, SIZES, STATES):
    _table.update({word * 2: english for word, english in list(_table.items()) if len(word) == 1})
# Degree words before an adjective, which the English a prompt needs leaves out (很小的鸟 "small bird"): SAM 3 is
# not told how much. Longest first.
_DEGREES = ("非常", "特别", "比较", "十分", "相当", "有点", "稍微", "超级", "很", "挺", "超", "较", "太")
# A body's position with no place said, read after the head like a posture with a place ("person sitting on
# chair"): "person sitting", "man standing". Before it English reads oddly or wrongly ("lying dog" is a dog that
# tells lies), and bare "lying" is unfinished: "dog lying down".
POSITIONS = {
    "站着": "standing", "站立": "standing", "坐着": "sitting", "躺着": "lying down", "趴着": "lying down",
    "蹲着": "crouching", "跪着": "kneeling",
}  # fmt: skip
MATERIALS = {  # 的 optional, like colours: no entry is one character, so none cuts a glossary word short
    "木制": "wooden", "木质": "wooden", "木头": "wooden", "金属": "metal", "塑料": "plastic", "玻璃": "glass",
    "石头": "stone", "皮革": "leather", "纸质": "paper", "羊毛": "wool", "牛仔": "denim",
    # a cloth's pattern goes where its material does (条纹衬衫 -> "striped shirt", 碎花裙子 -> "floral skirt")
    "条纹": "striped", "格子": "plaid", "格纹": "plaid", "碎花": "floral", "波点": "polka-dot", "圆点": "polka-dot",
}  # fmt: skip
SIDES = {
    "左边": "on the left", "左侧": "on the left", "左面": "on the left", "右边": "on the right",
    "右侧": "on the right", "右面": "on the right", "中间": "in the middle",
    # a corner of the picture: where a logo, a watermark or a caption is asked for
    "左上角": "in the top left corner", "右上角": "in the top right corner", "左下角": "in the bottom left corner",
    "右下角": "in the bottom right corner",
}  # fmt: skip
# Words that pick one instance among many. The most of a quality: 最大的狗 -> "biggest dog"; after an ordinal the
# same stem says "second most": 第二大的狗 -> "second biggest dog".
MOST = {
    "大": "biggest", "小": "smallest", "高": "tallest", "矮": "shortest", "长": "longest", "短": "shortest",
    "胖": "fattest", "瘦": "thinnest", "宽": "widest", "窄": "narrowest", "粗": "thickest", "细": "thinnest",
    "近": "nearest", "远": "farthest", "亮": "brightest", "暗": "darkest", "新": "newest", "旧": "oldest",
    "老": "oldest", "年轻": "youngest", "年长": "oldest", "干净": "cleanest", "脏": "dirtiest",
}  # fmt: skip
# 离 X 最近/最远: how near to something (离门最近的椅子 -> "chair closest to door"); VIEWERS is what the picture is seen
# from: the camera, or the person looking ("" for them: 离我们最远的船 is the farthest boat).
NEAREST = {"最近": ("nearest", "closest to"), "最远": ("farthest", "farthest from")}
VIEWERS = {**dict.fromkeys(("镜头", "相机", "摄像头", "摄像机"), "the camera"), **dict.fromkeys(("我", "我们"), "")}
# The most towards a side: 最左边的人 -> "leftmost person". Not 最后, which is "last" (最后一个人); 最后面 is the back.
MOST_PLACED = {
    **dict.fromkeys(("左", "左边", "左侧", "左面"), "leftmost"), **dict.fromkeys(("右", "右边", "右侧", "右面"), "rightmost"),
    **dict.fromkeys(("上", "上面", "上边", "上方"), "topmost"), **dict.fromkeys(("下", "下面", "下边", "下方"), "lowest"),
    **dict.fromkeys(("前", "前面", "前边"), "frontmost"), **dict.fromkeys(("后面", "后边"), "rearmost"),
    **dict.fromkeys(("里面", "里边"), "innermost"), **dict.fromkeys(("外面", "外边"), "outermost"),
}  # fmt: skip
# The side an ordinal counts from, said before it: 左边第二个人, 从左数第二个人, 左起第二个人, 从左往右第二个人 ->
# "second person from the left". Built for the six sides below; only before 第 (左边的人 stays "on the left").
COUNTED_FROM: dict[str, str] = {}
for _side, _opposite, _english in (("左", "右", "left"), ("右", "左", "right"), ("上", "下", "top"),
                                   ("下", "上", "bottom"), ("前", "后", "front"), ("后", "前", "back")):
    for _form in (f"{_side}边", f"{_side}面", f"{_side}侧", f"{_side}起", f"{_side}数", f"从{_side}", f"从{_side}边",
                  f"从{_side}往{_opposite}", f"从{_side}到{_opposite}"):
        COUNTED_FROM[_form] = COUNTED_FROM[_form + "数"] = f"from the {_english}"
_ORDINAL_WORDS = "first second third fourth fifth sixth seventh eighth ninth tenth".split()
_LINES = {"排": "row", "列": "column"}  # counted by an ordinal: 第二排的人 -> "person in the second row"
# Transitive verbs: verb + phrase, "wearing a blue jacket". No bare 开: 开车 is driving (IDIOMS); 推车, a cart
# alone, is pushing a cart in a phrase (IDIOMS), and 推 + anything else pushes it (推婴儿车的人).
VERBS = {
    "穿": "wearing", "穿着": "wearing", "戴": "wearing", "戴着": "wearing", "拿": "holding", "拿着": "holding",
    "手拿": "holding", "手持": "holding", "握着": "holding", "抱着": "holding", "举着": "holding",
    "抓着": "holding", "提着": "carrying", "背着": "carrying", "扛着": "carrying", "骑": "riding",
    "骑着": "riding", "推着": "pushing", "推": "pushing", "拉": "pulling", "拉着": "pulling", "拖着": "pulling", "牵着": "walking",
    "遛": "walking", "吃": "eating", "吃着": "eating", "喝": "drinking", "喝着": "drinking", "踢": "kicking",
    "踢着": "kicking", "看着": "looking at", "盯着": "looking at", "追": "chasing", "追着": "chasing",
    "咬着": "biting", "玩": "playing with", "玩着": "playing with", "喂": "feeding", "爬": "climbing",
    "等": "waiting for", "等着": "waiting for", "翻越": "climbing over", "翻过": "climbing over",
    "搬": "carrying", "搬着": "carrying", "指着": "pointing at", "靠着": "leaning against", "飞过": "flying across",
    # in the mouth (嘴里叼着骨头的狗 -> "dog holding a bone in mouth", 啃骨头), and on the back without 着
    "叼着": "holding", "叼": "holding", "啃": "chewing", "啃着": "chewing", "背": "carrying",
    # picking up, putting down, opening, taking off: what a hand does to a thing (拿起手机的人, 脱外套的人)
    "拿起": "picking up", "捡": "picking up", "捡起": "picking up", "放下": "putting down", "打开": "opening",
    "开启": "opening",  # Taiwan's 開啟 for 打开
    "关上": "closing", "推开": "pushing open", "爬上": "climbing", "跳下": "jumping off", "驾驶": "driving",
    "摘": "picking", "摘下": "taking off", "脱": "taking off", "脱下": "taking off", "抱": "holding",
}  # fmt: skip
# Verb + object that English says otherwise; tried before VERBS, so 踢足球 is not "kicking football". The
# glossary has some as bare verbs (吃草 graze, 踢足球 play football): a prompt that is only that word still
# gets the glossary's verb, but inside a phrase the idiom reads ("cow eating grass", not "cow graze").
IDIOMS = {
    "踢足球": "playing soccer", "踢球": "playing soccer", "打篮球": "playing basketball", "打网球": "playing tennis",
    "打排球": "playing volleyball", "打棒球": "playing baseball", "打羽毛球": "playing badminton",
    "打乒乓球": "playing table tennis", "打高尔夫球": "playing golf", "打电话": "talking on the phone",
    "看书": "reading a book", "读书": "reading a book", "看报纸": "reading a newspaper", "看手机": "looking at a phone",
    "玩手机": "using a phone", "看电视": "watching tv", "吃草": "eating grass", "吃饭": "eating", "吃东西": "eating",
    "喝水": "drinking water", "放风筝": "flying a kite", "过马路": "crossing the road", "拍照": "taking a photo",
    "拉车": "pulling a cart", "钓鱼": "fishing", "游泳": "swimming", "跑步": "running", "滑雪": "skiing",
    "冲浪": "surfing",
    # no object, but after a place they follow the head too: 在草地上奔跑的狗 -> "dog running on lawn"
    "奔跑": "running", "飞": "flying", "睡觉": "sleeping", "飞翔": "flying", "跳舞": "dancing", "散步": "walking",
    "走路": "walking", "唱歌": "singing", "跑": "running", "走": "walking", "行走": "walking", "跳": "jumping",
    "哭": "crying", "笑": "laughing", "玩": "playing", "玩耍": "playing", "休息": "resting", "工作": "working",
    "干活": "working", "学习": "studying", "写字": "writing", "画画": "drawing", "购物": "shopping",
    "洗澡": "taking a bath", "做饭": "cooking", "排队": "standing in line", "聊天": "chatting", "说话": "talking",
    "开车": "driving", "行驶": "driving", "晒太阳": "sunbathing", "抽烟": "smoking", "吸烟": "smoking",
    "施工": "working", "等待": "waiting", "等车": "waiting for a bus", "打伞": "holding an umbrella",
    "骑车": "riding a bicycle",
    # traffic and city-management offences, as their cameras are annotated (闯红灯的行人, 乱扔垃圾的人)
    "闯红灯": "running a red light", "横穿马路": "crossing the road", "逆行": "going the wrong way",
    "乱扔垃圾": "littering", "扔垃圾": "littering", "打架": "fighting", "摆摊": "running a stall",
    "占道经营": "blocking the road", "占道": "blocking the road",
    # instruments are played, whatever the hand does: 拉 is pulling (VERBS) but 拉小提琴 is playing the violin
    "弹钢琴": "playing the piano", "弹琴": "playing the piano", "弹吉他": "playing the guitar",
    "拉小提琴": "playing the violin", "拉大提琴": "playing the cello", "拉二胡": "playing the erhu",
    "吹笛子": "playing the flute", "吹萨克斯": "playing the saxophone", "打鼓": "playing the drums",
    "推车": "pushing a cart", "荡秋千": "swinging on a swing", "滑滑梯": "going down a slide",
    "低头看手机": "looking down at a phone", "低头玩手机": "looking down at a phone",
    # 爬树 is climbing (VERBS), bare 爬 crawling: a baby on the floor, an insect on a wall
    "爬": "crawling",
    # what a body does with no object English names (举手的学生 -> "student raising a hand")
    "举手": "raising a hand", "挥手": "waving", "弯腰": "bending over", "焊接": "welding",
    "搬家": "moving house", "搬东西": "carrying things",  # not 搬 + 家, "carrying a home"
    "背对着镜头": "with back to the camera", "背对镜头": "with back to the camera", "面对镜头": "facing the camera",
    "面对着镜头": "facing the camera", "低头": "looking down", "抬头": "looking up", "跳水": "diving",
    # everyday actions whose object English says its own way, or has none (开门, 上车, 洗碗, 刷牙, 自拍)
    "开门": "opening a door", "关门": "closing a door", "敲门": "knocking on a door", "上车": "getting into a car",
    "下车": "getting out of a car", "进门": "entering", "出门": "leaving", "吵架": "arguing", "拥抱": "hugging",
    "握手": "shaking hands", "亲吻": "kissing", "拍手": "clapping", "鼓掌": "clapping", "打哈欠": "yawning",
    "洗碗": "washing dishes", "扫地": "sweeping the floor", "拖地": "mopping the floor", "浇花": "watering flowers",
    "写作业": "doing homework", "修车": "repairing a car", "洗车": "washing a car", "加油": "refueling",
    "装货": "loading goods", "卸货": "unloading goods", "系鞋带": "tying shoelaces", "梳头": "combing hair",
    "刷牙": "brushing teeth", "洗手": "washing hands", "化妆": "putting on makeup", "拍视频": "filming a video",
    "自拍": "taking a selfie", "直播": "livestreaming", "看地图": "looking at a map",
    "问路": "asking for directions", "指路": "giving directions", "玩游戏": "playing a game",
    # 摘 picks fruit (摘苹果, VERBS) but takes off what is worn; 跳下车 is one movement, not 跳 + 下车
    "摘口罩": "taking off a face mask", "摘帽子": "taking off a hat", "摘眼镜": "taking off glasses",
    "跳下车": "jumping out of a car",
    # 牵着 a dog is walking it (VERBS), a hand is held: 牵手的情侣 -> "couple holding hands"
    "牵狗": "walking a dog", "牵手": "holding hands", "牵着手": "holding hands", "手牵手": "holding hands",
    # what is grown or tied, said as English has it (扎马尾的女孩 -> "girl with a ponytail"), and a car plugged in
    "扎马尾": "with a ponytail", "扎马尾辫": "with a ponytail", "扎辫子": "with braids", "留胡子": "with a beard",
    "留胡须": "with a beard", "留长发": "with long hair", "充电": "charging",
    # stairs, a wheelchair, a cane, a keyboard, music (上楼的人, 坐轮椅的老人, 拄拐杖的老人, 听音乐的人)
    "上楼": "going upstairs", "下楼": "going downstairs", "上楼梯": "going up the stairs",
    "下楼梯": "going down the stairs", "坐轮椅": "in a wheelchair", "坐着轮椅": "in a wheelchair",
    "拄拐杖": "walking with a cane", "拄着拐杖": "walking with a cane", "拄拐": "walking with a cane",
    "打字": "typing", "听音乐": "listening to music", "听歌": "listening to music",
    # people and animals doing something together, or turned (手拉手的小孩, 互相追逐的狗, 侧着身子的人)
    "手拉手": "holding hands", "拉着手": "holding hands", "互相追逐": "chasing each other",
    "互相追赶": "chasing each other", "侧着身子": "turned sideways", "侧身": "turned sideways",
    "写着字": "with writing", "采蜜": "collecting nectar",  # 写着字的牌子 -> "sign with writing": 字 alone is no glossary word
}  # fmt: skip
# Verb + 在 + place: 停在路边 -> "parked by the road".
POSTURES = {
    "停在": "parked", "停放在": "parked", "坐在": "sitting", "站在": "standing", "躺在": "lying", "趴在": "lying",
    "睡在": "sleeping", "蹲在": "crouching", "挂在": "hanging", "放在": "placed", "靠在": "leaning",
    "走在": "walking", "漂浮在": "floating", "漂在": "floating", "跪在": "kneeling", "倒在": "lying",
    "躲在": "hiding", "藏在": "hiding", "骑在": "riding", "飞在": "flying",
}  # fmt: skip
# Place first, then the posture verb with 着, says the same: 路边停着的车 = 停在路边的车 -> "car parked by the
# roadside", 墙上挂着的画 -> "painting hanging on wall". Built from POSTURES, so the two never disagree.
PLACED = {word.removesuffix("在") + "着": english for word, english in POSTURES.items()}
PLACES = {
    "上": "on", "上面": "on", "里": "in", "里面": "in", "里边": "in", "中": "in", "旁": "next to", "旁边": "next to",
    "边上": "beside", "下": "under", "下面": "under", "底下": "under", "下方": "below", "上方": "above",
    "前面": "in front of", "前边": "in front of", "后面": "behind", "后边": "behind", "后": "behind",
    "顶上": "on top of",
    "顶部": "on top of", "外面": "outside", "外边": "outside", "附近": "near", "周围": "around", "四周": "around",
    "对面": "across from", "门口": "at the entrance of", "左边": "to the left of", "左侧": "to the left of",
    "右边": "to the right of", "右侧": "to the right of",
}  # fmt: skip
# Places said in one word whose ground is not a glossary word (地, 天 and 岸 are not) or whose 边 is not a
# PLACES word. 墙上, 桌上, 水里 need no entry: phrase + PLACES already reads them ("on wall", "in water").
PLACE_WORDS = {
    "路边": "by the roadside", "路旁": "by the roadside", "马路边": "by the roadside", "地上": "on the ground",
    "地面上": "on the ground", "天上": "in the sky", "空中": "in the sky", "岸边": "on the shore",
    "河边": "by the river", "湖边": "by the lake", "海边": "by the sea", "门口": "at the door",
    "街上": "on the street", "街头": "on the street", "田里": "in the field", "地里": "in the field",
    "家里": "at home", "水面上": "on the water", "远处": "in the distance", "背景里": "in the background",
    "背景中": "in the background", "前景里": "in the foreground", "前景中": "in the foreground",
    "楼顶": "on the rooftop", "楼顶上": "on the rooftop", "窗外": "outside the window", "门外": "outside the door",
    "窗边": "by the window", "窗前": "by the window", "枝头": "on the branch",
}  # fmt: skip
# Places said from where the viewer stands, with no ground named: 里面的人 -> "person inside", 前面的车 -> "car in
# front", 楼上的人 -> "person upstairs" (not 楼 + 上, "on building"). The PLACES words they share read a ground when
# one comes before them (桌子上面的书 is still "book on table").
RELATIVE_PLACES = {
    **dict.fromkeys(("里面", "里边", "里头"), "inside"), **dict.fromkeys(("外面", "外边", "外头"), "outside"),
    **dict.fromkeys(("前面", "前边", "前方"), "in front"), **dict.fromkeys(("后面", "后边", "后方"), "at the back"),
    **dict.fromkeys(("上面", "上边"), "on top"), "上方": "above", **dict.fromkeys(("下面", "下边", "底下"), "underneath"),
    "下方": "below", **dict.fromkeys(("旁边", "旁边儿", "附近"), "nearby"), "对面": "opposite",
    "前排": "in the front row", "后排": "in the back row", "楼上": "upstairs", "楼下": "downstairs",
    **dict.fromkeys(("屋里", "屋内", "室内"), "indoors"), **dict.fromkeys(("屋外", "室外", "户外"), "outdoors"),
}  # fmt: skip
# The picture itself, which a prompt may name before what it wants (图中的狗, 画面左侧的车): SAM 3 looks only at the
# picture, so "in the picture" adds nothing and is dropped; a side after it (左侧) stays.
FRAMES = ("图片", "图像", "画面", "照片", "图")
_IN_FRAME = ("中", "里", "内")
# Nouns that name a place, which Chinese says after 在 without 里 or 上 (在公园散步, 在机场, 坐在教室): 在 + one of
# these is a place, with the preposition English gives it ("walking in park", "at airport", "on beach"). Keyed
# by the English head's last word. Only these: 在 + any other noun needs its 上/里 (在桌子上); and a glossary verb
# that ends in one (爬山 "climb mountain") is read as the action, not as a place (_reads_as_action).
GROUNDS = {
    **dict.fromkeys(
        "park kitchen room bedroom bathroom classroom office hospital supermarket mall store shop restaurant cafe "
        "garden yard zoo forest woods jungle desert field city town village river lake sea ocean pool lot garage "
        "hall library museum church market plaza square gym stadium hallway corridor alley countryside snow "
        "grassland gymnasium port harbor".split(), "in"),
    **dict.fromkeys(
        "beach street road sidewalk lawn playground stage bridge track court mountain hill hillside ice platform "
        "balcony rooftop highway farm mountaintop".split(), "on"),
    **dict.fromkeys(
        "home school airport station stop door doorway gate entrance intersection desk site hotel".split(), "at"),
}  # fmt: skip
# 有轮子的椅子 -> "chair with wheels"; and what a thing lacks, 没有叶子的树 -> "tree without leaves". Not wearing is
# lacking too: 没戴安全帽的工人 -> "worker without a hard hat".
WITH = {
    "有": "with", "带": "with", "带着": "with", "长着": "with", "没有": "without", "没": "without",
    "不带": "without", "没带": "without", "没戴": "without", "未戴": "without", "不戴": "without",
    "没穿": "without", "未穿": "without", "没系": "without", "未系": "without", "不系": "without",
    "没有穿": "without", "没有戴": "without", "没有系": "without",
    # what is stuck, hung or printed on a thing (贴着标签的箱子 -> "box with a label", 挂着灯笼的树)
    "贴着": "with", "挂着": "with", "印着": "with", "印有": "with",
}  # fmt: skip
# What a thing holds, its contents plural as English says them (装着苹果的篮子 -> "basket with apples", 装满水的杯子
# -> "cup full of water")
FILLED = {"装着": "with", "盛着": "with", "装满": "full of", "盛满": "full of", "放满": "full of", "堆满": "full of",
          "挂满": "full of", "开满": "full of", "长满": "covered in"}  # 开满花的树 -> "tree full of flowers"
# What is done to a thing, said with 被 (被狗追的猫 -> "cat chased by dog"; with no one named, 被修理的汽车 -> "car
# being repaired"): the verb as English's past participle. Passive states said as one word (被遮挡 "occluded")
# are STATES and read first.
PASSIVES = {
    "追": "chased", "追着": "chased", "追赶": "chased", "咬": "bitten", "咬伤": "bitten", "挡住": "blocked",
    "挡着": "blocked", "遮住": "covered", "盖住": "covered", "覆盖": "covered", "包围": "surrounded",
    "围着": "surrounded", "抱着": "held", "抱": "held", "牵着": "led", "拉着": "pulled", "推着": "pushed",
    "踢": "kicked", "撞": "hit", "撞倒": "knocked down", "压着": "pinned", "压住": "pinned", "吃掉": "eaten",
    "修": "repaired", "修理": "repaired", "维修": "repaired", "拖走": "towed", "拖": "towed", "淹没": "submerged",
    "困住": "trapped", "关在": "locked", "拴着": "tied", "拴在": "tied", "砍倒": "cut down", "砍": "cut",
}  # fmt: skip
# What a thing can be described by having: 金色头发的女孩 -> "girl with golden hair". Plural where a thing
# usually has several. Kept apart from the glossary, which lacks 轮子 and reads 角 as "angle".
FEATURES = {
    "头发": "hair", "发": "hair", "胡子": "beard", "眼睛": "eyes", "尾巴": "tail", "耳朵": "ears", "屋顶": "roof",
    "轮子": "wheels", "车轮": "wheels", "翅膀": "wings", "条纹": "stripes", "斑点": "spots", "把手": "handle",
    "手柄": "handle", "腿": "legs", "角": "horns", "毛": "fur", "皮毛": "fur", "羽毛": "feathers", "鬃毛": "mane",
    "喙": "beak", "叶子": "leaves", "窗户": "windows", "领子": "collar", "袖子": "sleeves", "虫眼": "insect holes",
}  # fmt: skip
# Hair in one word, its adjective fused to 发: a word of its own, so unlike 金色头发的 it needs no 的, and it reads
# in the same style: 金发女孩 -> "girl with blonde hair", 长卷发的女孩 -> "girl with long curly hair". On hair 金 and
# 黄 are "blonde". Every other one-character colour + 发 is added below (白发 "white hair", 黑发 "black hair").
# No 直发: 直发车 is a direct bus. A glossary word after the adjective still wins (长发夹 "long hairpin").
HAIR = {"金发": "blonde", "黄发": "blonde", "长发": "long", "短发": "short", "卷发": "curly"}
# Articles for what is worn, held or had ("wearing a hat"). Spelling shows most plurals (glasses, wheels) but
# not a mass noun, which takes none either ("with golden hair", "carrying luggage"): these are the mass nouns
# the glossary's words end in that a thing can wear, hold, carry or have.
MASS_NOUNS = frozenset(
    "water grass hair fur snow sand ice mud dirt dust smoke fog frost dew steam rain rust moss algae lichen ivy "
    "oil paint blood hay straw ash clay coal concrete cement gravel lava foam rubble debris pollen seaweed mold "
    "wood metal plastic leather paper fabric cloth stone gold silver bronze copper steel marble granite cotton "
    "wool silk lace satin velvet suede denim linen latex plywood lumber cardboard tinfoil wax ivory porcelain "
    "food fruit bread rice meat cheese soup milk coffee tea juice wine beer sugar salt cream butter honey jam sauce "
    "chocolate candy popcorn cereal pasta spaghetti macaroni broccoli lettuce spinach kale garlic ginger corn "
    "wheat barley oatmeal granola yoghurt tofu sushi sashimi salad seafood beef pork bacon ham salami pepperoni "
    "caviar hummus guacamole salsa gravy syrup vinegar mustard flour dough frosting icing alcohol liquor "
    "champagne vodka whiskey gin rum brandy cognac tequila sake soda lemonade cider cocoa espresso broth porridge "
    "stew curry toast furniture luggage equipment jewelry makeup lipstick mascara eyeliner henna perfume shampoo "
    "toothpaste detergent money cash currency clothing sportswear swimwear sleepwear silverware cutlery "
    "hardware software text lettering handwriting graffiti mail music traffic garbage waste stuff camouflage "
    "armor stationery livestock poultry wildlife confetti tinsel bedding cargo vegetation greenery chess "
    "cola ramen glue soap wash yogurt".split()
)
# Things worn in pairs are said in the plural ("wearing shoes", "with earrings"), without an article.
PAIRED = frozenset(
    "shoe sock boot glove sneaker sandal slipper loafer cleat heel earring earmuff earplug stocking skate "
    "chopstick flip-flop snowshoe".split()
)
# Things a scene has one of take "the" ("looking at the sky"), as the place words say them ("in the sky").
UNIQUE = frozenset("sky sun moon horizon ground sea ocean".split())
# Verbs whose object is food or drink, mostly said without an article (eating rice, drinking coffee), which
# spelling cannot tell from a count noun: their objects are left bare.
BARE_OBJECT_VERBS = frozenset({"eating", "drinking"})
CLASSIFIERS = set("个只辆条把件顶张头匹本台块位棵朵双副座架艘支根盏颗粒片栋间名")
_NUMERALS = set("一二两三四五六七八九十百几多这那每各某")  # before a classifier: 一只, 两辆, 十几个, 这个, 每张
# quantities without a classifier of their own, longest first (一群 before 一)
_GROUPS = sorted("一群 一堆 一排 一对 一些 一片 这些 那些 所有 全部 许多 很多 好多 各种 多个".split(), key=len, reverse=True)
# Measures that are things in the picture, unlike 只 or 个: 一碗面条 is a bowl of noodles, the thing an annotator
# means, so the measure becomes the head and what it holds its "of ..." (两杯咖啡 -> "cup of coffee"; as an object
# "holding two cups of coffee"). No 包: 一包烟 would come out as a pack of smoke.
CONTAINERS = {
    "碗": "bowl", "杯": "cup", "瓶": "bottle", "瓶子": "bottle", "盘": "plate", "盘子": "plate", "碟": "dish",
    "盒": "box", "盒子": "box", "箱": "box", "箱子": "box", "袋": "bag", "袋子": "bag", "篮": "basket", "篮子": "basket",
    "桶": "bucket", "罐": "jar", "壶": "pot", "锅": "pot", "盆": "pot", "串": "bunch", "束": "bunch", "捆": "bundle",
    "叠": "stack", "摞": "stack",
}  # fmt: skip
# Parts of things, which annotators ask for on their own (汽车轮胎, 猫的眼睛, 杯子的把手), read only after their
# whole. English from here, not the glossary: it lacks 轮子 and reads 车门 as "car door", whose car the whole
# says already (汽车的车门 -> "door of car"). No 角 (a horn or a corner), 背 (also "carrying") or 根 (a classifier).
PARTS = {
    "轮胎": "tire", "轮子": "wheel", "车轮": "wheel", "门": "door", "车门": "door", "窗": "window", "窗户": "window",
    "车窗": "window", "屏幕": "screen", "键盘": "keyboard", "把手": "handle", "手柄": "handle", "盖": "lid",
    "盖子": "lid", "杆": "pole", "腿": "leg", "脚": "foot", "手": "hand", "手臂": "arm", "胳膊": "arm", "头": "head",
    "脸": "face", "眼睛": "eye", "耳朵": "ear", "鼻子": "nose", "嘴": "mouth", "嘴巴": "mouth", "尾巴": "tail",
    "翅膀": "wing", "头发": "hair", "毛": "fur", "羽毛": "feather", "爪子": "paw", "叶子": "leaf", "树枝": "branch",
    "花瓣": "petal", "屋顶": "roof", "烟囱": "chimney", "座椅": "seat", "座位": "seat", "靠背": "backrest",
    "车灯": "light", "门把手": "door handle", "镜头": "lens", "按钮": "button", "天线": "antenna", "踏板": "pedal", "链条": "chain",
    # what a car-damage or pose annotator asks for
    "保险杠": "bumper", "引擎盖": "hood", "后备箱": "trunk", "后视镜": "rearview mirror", "车牌": "license plate",
    "挡风玻璃": "windshield", "排气管": "exhaust pipe", "大灯": "headlight", "尾灯": "taillight", "车座": "seat",
    "手指": "finger", "肩膀": "shoulder", "脖子": "neck", "膝盖": "knee", "树干": "trunk",
}  # fmt: skip
# Parts said only after 的: fused to a word they name something else (火车头 a locomotive, 鸭嘴 a duck's bill).
_PARTS_NEED_DE = frozenset({"头", "嘴"})
# What joins two things in one prompt (狗和猫, 桌子与椅子, 猫或狗, and 與 as Taiwan and Hong Kong write it). A piece
# on its own must be a phrase the rules read, so 和服, 暖和的 and 跟着妈妈的孩子 are never cut.
CONJUNCTIONS = re.compile(r"以及|或者|还有|還有|[和与與跟及或、，,;；]")
# 和 inside one thing's description: two colours (红色和白色的车), two things worn, held or had (戴帽子和眼镜), and
# two actions sharing one 的 (背着书包和拿着伞的学生), where English says "and" too.
_AND_THINGS = ("和", "与", "及", "跟")
_AND_ACTIONS = ("并且", "而且", "和", "并", "还", "又")

# "红色" and "红色的" mean the same as "红": accept the colour word with or without 色.
for _word, _english in list(COLOURS.items()):
    if not _word.endswith("色"):
        COLOURS.setdefault(_word + "色", _english)
    if len(_word) == 1:  # 白发, 黑发, 红发: the one-character colours only (红色发 is not said)
        HAIR.setdefault(_word + "发", _english)
# two colours in turn: 黑白相间 -> "black and white" (a cat, a zebra crossing, 黄黑相间 warning tape)
_SINGLE_COLOURS = {word: english for word, english in COLOURS.items() if len(word) == 1}
COLOURS.update({
    first + second + "相间": f"{first_english} and {second_english}"
    for first, first_english in _SINGLE_COLOURS.items() for second, second_english in _SINGLE_COLOURS.items()
    if first != second
})  # fmt: skip
_HAIR_WORDS = tuple(HAIR)
# A 发 that is a character of its own, bare or fused to its adjective, can begin another word instead: 红发光 is
# 红 + 发光 (glowing). 头发 and the glossary's 假发 are words of their own and keep theirs.
_LOOSE_FA = frozenset({"发", *HAIR})

# every table _words_at reads: it looks no further ahead than the longest word in them
_TABLES = (
    COLOURS, SIZES, STATES, POSITIONS, MATERIALS, SIDES, VERBS, IDIOMS, POSTURES, PLACED, PLACES, PLACE_WORDS,
    RELATIVE_PLACES, WITH, FEATURES, HAIR, MOST, MOST_PLACED, COUNTED_FROM, CONTAINERS, PARTS,
)
_LONGEST_WORD = max(len(word) for table in _TABLES for word in table)
_LATIN = re.compile(r"[a-z0-9][a-z0-9'\-]*(?: [a-z0-9][a-z0-9'\-]*)*")
# English order: "second biggest broken red wooden chair from the left with wheels on the left"; a part's whole
# as a noun before it ("car tire") or after it ("of red car"), where a container's contents go.
_RANK = {"ordinal": 0, "superlative": 1, "size": 2, "state": 3, "colour": 4, "material": 5, "noun": 6, "contents": 7,
         "of": 7, "from": 8, "clause": 9, "worn": 9, "side": 10}
# Clothes a person is named by with no 穿 (红色上衣的女人 -> "woman wearing a red top"), said of these heads only: 黑色
# 西装的口袋 is no pocket wearing a suit. Keyed by the English head's last word.
CLOTHES = frozenset(
    "top shirt t-shirt jacket coat dress skirt pants trousers jeans shorts suit sweater hoodie vest uniform "
    "raincoat cheongsam qipao hat cap helmet scarf shoes boots sneakers slippers glasses sunglasses".split())
WEARERS = frozenset(
    "person man woman boy girl child kid baby student worker player rider driver doctor nurse officer guard "
    "chef waiter waitress soldier teacher lady adult teenager athlete customer passenger pedestrian tourist "
    "people elderly courier".split())
# What 停在 a place is perched there, not parked: birds and the insects that land
_PERCHERS = frozenset("bird pigeon dove sparrow crow eagle hawk falcon owl parrot gull seagull swallow magpie egret "
                      "heron butterfly dragonfly bee fly moth ladybug insect".split())
_BEFORE_HEAD = {"ordinal", "superlative", "size", "state", "colour", "material", "noun"}
_VERB_WORDS = sorted(set(VERBS.values()), key=len, reverse=True)  # longest first: "looking at" before "looking"
_PICKS = {"ordinal", "superlative", "from"}  # modifiers that pick instances out: a count after one is not dropped
_ONE = {"一", "1", "这", "那", "每", "某"}  # before a classifier, a quantity of one thing: 一顶, 这个
_PAIR_CLASSIFIERS = set("双副")  # 一双鞋, 一副手套: one pair is two things
_DIGITS = dict(zip("一二两三四五六七八九", (1, 2, 2, 3, 4, 5, 6, 7, 8, 9)))
# English spells a small count out ("two knives") and writes a larger one in digits ("15 eggs")
_NUMBER_WORDS = "zero one two three four five six seven eight nine ten eleven twelve".split()
# rules and irregulars (knife -> knives, child -> children, sheep -> sheep); plurals stay (glasses, legs)
_PLURALIZER = Pluralizer()
# "an" goes by the sound: a vowel letter that is said "you" or "w" takes "a" (a uniform, a one-way sign), and a
# silent h takes "an" (an hourglass)
_A_BEFORE_VOWEL = ("uni", "use", "usu", "uten", "uku", "eu", "ewe", "one", "once")
_AN_BEFORE_H = ("hour", "honest", "honor", "heir")


@dataclass(frozen=True)
class Modifier:
    kind: str  # a _RANK key
    english: str
    joined: bool = False  # a clause whose action shares the next clause's 的 (背着书包和拿着伞的): "and" between


@dataclass(frozen=True)
class NounPhrase:
    head: str
    modifiers: tuple[Modifier, ...] = ()
    many: bool = False  # the prompt counted more than one (两个杯子, 一些书): plural, no "a", as an object
    count: int | None = None  # how many, when the prompt says exactly and it is more than one (两个, 3只)
    pairs: bool = False  # counted in pairs (两双鞋): "two pairs of shoes"

    def english(self) -> str:
        ordered = sorted(self.modifiers, key=lambda m: _RANK[m.kind])  # stable: Chinese order within a kind
        before, after = [], []
        for kind, group in groupby(ordered, key=lambda m: m.kind):
            group = list(group)
            # "carrying a bag and holding ...", and a verb two clauses share said once: 穿红衣服戴帽子的 ->
            # "wearing red clothes and a hat" (with 和 or without, as in 穿着外套并且戴着帽子的)
            shared = [_shared_verb(m, later) for m, later in zip(group, group[1:])]
            words = [m.english + (" and" if later and (m.joined or verb) else "")
                     for m, later, verb in zip(group, [*group[1:], None], [*shared, None])]
            words = [w.removeprefix(verb + " ") if verb else w for w, verb in zip(words, [None, *shared])]
            if kind == "colour":  # 黑白色的狗: "black and white dog", each colour once
                words = [_and(list(dict.fromkeys(words)))]
            (before if kind in _BEFORE_HEAD else after).extend(words)
        after = [_without_head(words, self.head) for words in after]
        if self.head.split()[-1] in _PERCHERS:  # 停在树上的鸟: a bird is perched where a car is parked
            after = ["perched" + w.removeprefix("parked") if w.startswith("parked ") else w for w in after]
        return " ".join([*before, self.head, *after])


class PhraseRules:
    """Translates prompts the glossary and the rules above cover completely; None otherwise."""

    def __init__(self, glossary: Glossary, max_chars: int = 40, max_nesting: int = 2):
        self.glossary = glossary
        self.max_chars = max_chars  # the search is cheap on prompts, not on paragraphs
        self.max_nesting = max_nesting  # "on the table next to the sofa": deeper is not a prompt

    def names_a_thing(self, text: str) -> bool:
        """Whether `text` is more than a word that describes one (红色 is a colour, not a thing: 红色和白色的车 is one
        car), as a piece of a joined prompt must be. A word that is both names a thing when the glossary's noun
        is not the description: 凹陷 is "dented" and a dent (凹陷和划痕 are two things), 红色 only "red"."""
        described = self.descriptions(text)
        if not described:
            return True
        noun = self.glossary.get(text)
        return noun is not None and noun not in described

    @staticmethod
    def descriptions(text: str) -> list[str]:
        """The English of `text` (with or without its 的) as a word that describes a thing: a colour, size, state,
        material, side or position; empty if it is none of those."""
        return [table[word] for table in (COLOURS, SIZES, STATES, MATERIALS, SIDES, POSITIONS)
                for word in dict.fromkeys((text, text.removesuffix("的"))) if word in table]

    def translate(self, text: str) -> str | None:
        whole = self.glossary.get(text)
        if whole is not None:
            return whole
        if len(text) > self.max_chars:
            return None
        parser = _Parser(self, text)
        for phrase, end in parser.phrases(_after_frame(text), 0):
            if end == len(text):
                return phrase.english()
        return None


class _Parser:
    """One prompt's parse: every phrase starting at each position, memoised, best reading first."""

    def __init__(self, rules: PhraseRules, text: str):
        self.rules, self.s = rules, text
        self.memo: dict[tuple[int, int], list[tuple[NounPhrase, int]]] = {}
        self.feature_memo: dict[int, list[tuple[NounPhrase, int]]] = {}

    def phrases(self, i: int, depth: int) -> list[tuple[NounPhrase, int]]:
        """Every phrase starting at s[i:], an optional 一只 / 这个 first."""
        return self._quantified(i, lambda j: self._modified(j, depth))

    def _quantified(self, i: int, parse) -> list[tuple[NounPhrase, int]]:
        """parse(i), then parse after a quantity at s[i:] (一只, 两个, 一些), which the phrases keep: as an object
        English says it (拿着两个苹果 -> "holding two apples")."""
        i = _skip_space(self.s, i)
        found = parse(i)
        after_quantity = _skip_quantity(self.s, i)
        if after_quantity != i:
            quantity = _quantity(self.s[i:after_quantity].rstrip("的 "))
            found += [(replace(phrase, **quantity), end) for phrase, end in parse(after_quantity)]
        for container, after in _containers_at(self.s, i):  # 一碗面条: the bowl, holding what follows
            found += [(replace(container, modifiers=(*container.modifiers, Modifier("contents", _contents(held)))), end)
                      for held, end in parse(after) if not held.many]
        return found

    def _modified(self, i: int, depth: int) -> list[tuple[NounPhrase, int]]:
        """A head here, or a modifier followed by the rest of a phrase."""
        key = (i, depth)
        if key not in self.memo:
            self.memo[key] = []  # a phrase cannot begin with itself: guards against left recursion
            found = [(NounPhrase(head), end) for head, end in self._heads(i)]
            if depth < self.rules.max_nesting:  # before modifiers: 大狗的尾巴 is the big dog's tail
                found += self._parts(i, depth)
            for mod, end in self._modifiers(i, depth):
                # The rest may open with a quantity, where Chinese usually puts it (穿白衣服的那个人, 桌子上的两个杯子):
                # kept on the phrase as a leading one is. Not after a word that picks (最大的两只狗: which two?).
                for rest, rest_end in self._quantified(end, lambda j: self._modified(j, depth)):
                    if mod.kind == "worn" and rest.head.split()[-1] not in WEARERS:
                        continue
                    if not (mod.kind in _PICKS and rest.many):
                        found.append((replace(rest, modifiers=(mod, *rest.modifiers)), rest_end))
            self.memo[key] = found
        return self.memo[key]

    def _heads(self, i: int) -> list[tuple[str, int]]:
        heads = self.rules.glossary.matches_at(self.s, i)
        latin = _LATIN.match(self.s, i)
        if latin:
            heads.append((latin.group(), latin.end()))
        return sorted(heads, key=lambda h: -h[1])

    def _parts(self, i: int, depth: int) -> list[tuple[NounPhrase, int]]:
        """A PARTS word after its whole at s[i:]: with 的, "of" the whole (猫的眼睛 -> "eye of cat", 红色汽车的车门 ->
        "door of red car"); without, a compound of a bare whole (汽车轮胎 -> "car tire", 冰箱门把手 -> "fridge door
        handle"), not two single characters (猫眼 is a peephole). The part must be a word there: 人的手机 is no hand."""
        s, found = self.s, []
        for whole, end in self.phrases(i, depth + 1):
            if self.rules.descriptions(s[i:end]):  # 凹陷的车门 is a dented door, not a door of a dent
                continue
            j = _after_de(s, end)
            for part, part_end in _words_at(PARTS, s, j):
                if self._cut_short(j, part_end):
                    continue
                if j != end:
                    found.append((NounPhrase(part, (Modifier("of", f"of {whole.english()}"),)), part_end))
                elif (not whole.many and all(m.kind == "noun" for m in whole.modifiers) and end - i + part_end - j > 2
                      and s[j:part_end] not in _PARTS_NEED_DE):
                    found.append((NounPhrase(part, (Modifier("noun", whole.english()),)), part_end))
        return found

    def _modifiers(self, i: int, depth: int) -> list[tuple[Modifier, int]]:
        """Every modifier at s[i:] with where the rest of the phrase starts, the natural reading first.

        A place comes first: its ground takes every word before 上/旁边, as a reader does (红色桌子上的杯子 is a
        cup on a red table, 大狗旁边的小猫 a kitten next to a big dog, not a big kitten)."""
        nested = depth < self.rules.max_nesting
        found = self._located(i, depth) if nested else []
        found += self._picks(i)  # before SIDES: 左边第二个人 counts from the left
        if nested:
            found += self._nearest(i, depth)
        # an adjective just before a hair word describes the hair: 黑色长发的女孩 is a girl with long black hair,
        # not a black girl (长发夹 stays a long hairpin: 发夹 is no hair word)
        found += [(mod, end) for mod, end in self._adjectives(i) if not self._hair_words_at(end)]
        found += [(Modifier("side", english), _after_de(self.s, end)) for english, end in _words_at(SIDES, self.s, i)]
        return found + self._clauses(i, depth) if nested else found

    def _adjectives(self, i: int) -> list[tuple[Modifier, int]]:
        """Colours, sizes and materials with or without 的 (红色的, 红, 木制椅子); states only with it (破碎的)."""
        s, found = self.s, []
        i = _after_any(s, i, _DEGREES)  # 很小的 is 小的: nothing but an adjective may follow it
        for kind, table in (("colour", COLOURS), ("size", SIZES), ("material", MATERIALS)):
            found += [(Modifier(kind, english), _after_de(s, end)) for english, end in _words_at(table, s, i)]
        for english, end in _words_at(COLOURS, s, i):  # 红色和白色的车: the colours join as 黑白色 does
            j = _after_any(s, end, ("和", "与"))  # both read here: the second is no head (黑色和白色 is no "black white")
            if j != end:
                found += [(Modifier("colour", f"{english} and {second}"), _after_de(s, second_end))
                          for second, second_end in _words_at(COLOURS, s, j)]
        for english, end in _words_at(STATES, s, i):
            end = _after_word(s, end, "了")  # 破了的窗户 is 破的窗户: the 了 says it happened, as "broken" does
            if _has_de(s, end):
                found.append((Modifier("state", english), _after_de(s, end)))
        return found

    def _picks(self, i: int) -> list[tuple[Modifier, int]]:
        """What picks one instance: a superlative (最大的 "biggest", 最左边的 "leftmost"), an ordinal (第二个 "second",
        第二大的 "second biggest", 倒数第二个 "second to last", 最后一个 "last") and the side it counts from (左边, 从左数
        before 第: "from the left"). A 那只 / 这个 after one belongs to it: 最大的那只狗 is the biggest dog."""
        s, found = self.s, []
        for english, end in _words_at(COUNTED_FROM, s, i):
            j = _after_de(s, end)
            if s.startswith(("第", "倒数第"), j) and not _rows_at(s, j):  # 左边第二排: a row on the left
                found.append((Modifier("from", english), j))
        if s.startswith("个子最", i):  # 个子最高的人: a height, said of the body
            found += [(Modifier("superlative", english), _after_one(s, _after_de(s, end)))
                      for english, end in _words_at(MOST, s, i + 3)]
        if s.startswith("最", i):
            found += [(Modifier("superlative", english), _after_one(s, _after_de(s, end)))
                      for table in (MOST, MOST_PLACED) for english, end in _words_at(table, s, i + 1)]
            if s.startswith("最后", i) and not _words_at(MOST_PLACED, s, i + 1):
                found.append((Modifier("ordinal", "last"), _after_one(s, _after_de(s, i + 2))))
        return found + [(Modifier("ordinal", english), end) for english, end in _ordinals_at(s, i)]

    def _nearest(self, i: int, depth: int) -> list[tuple[Modifier, int]]:
        """离 + something + 最近/最远: 离镜头最近的 -> "closest to the camera", 离门最远的 -> "farthest from door"; from
        whoever looks (离我们最远的), the plain superlative "farthest"."""
        s = self.s
        if not s.startswith("离", i):
            return []
        grounds = _words_at(VIEWERS, s, i + 1) + [(g.english(), end) for g, end in self.phrases(i + 1, depth + 1)]
        found = []
        for ground, end in grounds:
            for near, (english, relative) in NEAREST.items():
                if s.startswith(near, end):
                    after = _after_one(s, _after_de(s, end + len(near)))
                    found.append((Modifier("clause", f"{relative} {ground}"), after) if ground
                                 else (Modifier("superlative", english), after))
        return found

    def _located(self, i: int, depth: int) -> list[tuple[Modifier, int]]:
        """在? place 的: 在桌子上的 -> "on table", 路边的 -> "by the roadside"; with an action, 在水里游泳的 ->
        "swimming in water", or a posture with 着, 路边停着的 -> "parked by the roadside" (English says what it
        does first)."""
        s, found = self.s, []
        for place, end in self._places(_after_word(s, i, "在"), depth, after_zai=s.startswith("在", i)):
            if _has_de(s, end):
                found.append((Modifier("clause", place), _after_de(s, end)))
            elif s.startswith("所有", end):  # 桌子上所有的杯子: the quantity stands for the 的 (and is skipped)
                found.append((Modifier("clause", place), end))
            j = _skip_space(s, end)
            for action, action_end in self._actions(_after_word(s, j, "正在"), depth):
                found += self._clause(f"{action} {place}", action_end)
            for posture, posture_end in _words_at(PLACED, s, j):
                found += self._clause(f"{posture} {place}", posture_end)
        return found

    def _clauses(self, i: int, depth: int) -> list[tuple[Modifier, int]]:
        """Features, 有 ..., and actions: modifiers English puts after the head, in the order to prefer them."""
        s, found = self.s, []
        for feature, end in self._features(i):  # 金色头发的 -> "with golden hair"; a bare 尾巴的 is not one
            if feature.modifiers:  # 金发 is a word: 金发女孩 needs no 的
                found += self._clause(f"with {_counted(feature)}", end, fused=s.endswith(_HAIR_WORDS, i, end))
        for table, many in ((WITH, False), (FILLED, True)):  # 有轮子的 -> "with wheels" (有条纹的: "striped" above)
            for with_, end in _words_at(table, s, i):
                def things(j: int, many: bool = many) -> list[tuple[str, int]]:  # 有四个轮子的 -> "with four wheels"
                    had = self._quantified(j, lambda k: [*self._features(k), *self._modified(k, depth + 1)])
                    return [(_counted(replace(thing, many=True) if many else thing), thing_end)
                            for thing, thing_end in had]
                for thing, thing_end in self._and_another(things(end), things):
                    found += self._clause(f"{with_} {thing}", thing_end)
        for action, end in self._actions(_after_word(s, i, "正在"), depth):  # 正在吃草的 = 吃草的
            found += self._clause(action, end)
        for done, end in self._passives(_after_word(s, i, "正在"), depth):  # 被狗追的 -> "chased by dog"
            found += self._clause(done, end)
        things = self.phrases(i, depth + 1)  # a clause may open with a thing: 车门打开的, 红色上衣的
        found += self._having(i, things)
        for worn, end in things:  # 红色上衣的 -> "wearing a red top", as 穿红色上衣的
            if worn.head.split()[-1] in CLOTHES and worn.modifiers and _has_de(s, end):
                found.append((Modifier("worn", f"wearing {_counted(worn)}"), _after_de(s, end)))
        if s.startswith("在", i):  # 在吃草的: the progressive, read only after _located's "at a place"
            for action, end in self._actions(i + 1, depth):
                found += self._clause(action, end)
        for position, end in _words_at(POSITIONS, s, i):  # 躺着的 -> "lying down", after the head
            found += self._clause(position, end)
        return found

    def _having(self, i: int, things: list[tuple[NounPhrase, int]]) -> list[tuple[Modifier, int]]:
        """A part or a thing (`things`, the phrases at s[i:]) with how it is, said after it: 车门打开的 -> "with an
        open door", 屏幕亮着的 -> "with a lit screen"; with 是, a colour or size too: 尾巴是白色的 -> "with a white
        tail", as 白色尾巴的 is."""
        s, found = self.s, []
        had = [(NounPhrase(feature), end) for feature, end in _words_at(FEATURES, s, i)] + things
        for thing, end in had:
            j = _after_word(s, end, "是")
            tables = (("colour", COLOURS), ("size", SIZES), ("state", STATES)) if j != end else (("state", STATES),)
            for kind, table in tables:
                for english, described_end in _words_at(table, s, j):
                    described = replace(thing, modifiers=(*thing.modifiers, Modifier(kind, english)))
                    found += self._clause(f"with {_counted(described)}", described_end)
        return found

    def _passives(self, i: int, depth: int) -> list[tuple[str, int]]:
        """(english, end) for 被 + who + what they do at s[i:]: 被狗追 -> "chased by dog"; with no one named,
        被修理 -> "being repaired"."""
        s = self.s
        if not s.startswith("被", i):
            return []
        found = [(f"being {done}", end) for done, end in _words_at(PASSIVES, s, i + 1)]
        for doer, doer_end in self.phrases(i + 1, depth + 1):
            found += [(f"{done} by {doer.english()}", end) for done, end in _words_at(PASSIVES, s, doer_end)]
        return found

    def _clause(self, english: str, end: int, fused: bool = False) -> list[tuple[Modifier, int]]:
        """The clause ending at `end` if its 的 follows, or another action that shares it (穿着外套戴着帽子的);
        a `fused` one (金发) needs neither."""
        if _has_de(self.s, end):
            return [(Modifier("clause", english), _after_de(self.s, end))]
        after = _skip_space(self.s, end)
        joined = _after_any(self.s, after, _AND_ACTIONS)  # 背着书包和拿着伞的: "carrying ... and holding ..."
        j = _after_word(self.s, joined, "正在")
        if fused or any(_words_at(table, self.s, j) for table in (VERBS, IDIOMS, POSTURES, POSITIONS, WITH)):
            return [(Modifier("clause", english, joined=joined != after), joined)]
        return []

    def _actions(self, i: int, depth: int) -> list[tuple[str, int]]:
        """(english, end) for what the head is doing at s[i:]: an idiom, verb + phrase, or posture + place."""
        s = self.s
        found = _words_at(IDIOMS, s, i)  # first: 踢足球 is "playing soccer" before it is "kicking football"
        for verb, end in _words_at(VERBS, s, i):  # 穿蓝色夹克 -> "wearing a blue jacket"
            def objects(j: int, verb: str = verb) -> list[tuple[str, int]]:
                return [(_object(verb, obj), obj_end) for obj, obj_end in self.phrases(j, depth + 1)]
            worn = self._and_another(objects(end), objects)
            if verb == "wearing":  # 穿白色上衣黑色裤子: clothes listed with nothing between them
                worn += [(f"{first} and {second}", second_end)
                         for first, first_end in objects(end) for second, second_end in objects(first_end)]
            found += [(f"{verb} {obj}", obj_end) for obj, obj_end in worn]
        for posture, end in _words_at(POSTURES, s, i):  # 停在路边 -> "parked by the roadside"
            places = self._places(end, depth, after_zai=True)  # every POSTURES word ends in 在
            found += [(f"{posture} {place}", place_end) for place, place_end in places]
        return found

    def _and_another(self, things: list[tuple[str, int]], read) -> list[tuple[str, int]]:
        """`things` (english, end), then each joined to a second that `read(j)` finds after 和/与/及/跟: 戴帽子和眼镜
        -> "a hat and glasses", 拿着刀和叉 -> "a knife and a fork". Two: a list of more is rarely a prompt."""
        found = list(things)
        for english, end in things:
            j = _after_any(self.s, end, _AND_THINGS)
            if j != end:
                found += [(f"{english} and {second}", second_end) for second, second_end in read(j)]
        return found

    def _places(self, i: int, depth: int, after_zai: bool) -> list[tuple[str, int]]:
        """(english, end) for a place at s[i:]: a place word ("on the ground", "at home"), a row (第二排 "in the second
        row"), phrase + 上/里/旁边 ("on table"), or, after 在 or before 的, a GROUNDS noun alone (在公园 -> "in
        park"). A place word comes first: 家里 is "at home", though 家 + 里 reads too ("in home")."""
        found = _words_at(PLACE_WORDS, self.s, i) + _rows_at(self.s, i) + _words_at(RELATIVE_PLACES, self.s, i)
        for ground, end in self.phrases(i, depth + 1):
            places = _words_at(PLACES, self.s, end)
            # after 在, or with 的 straight after: 公园的长椅 is a bench in the park, as 公园里的长椅 is
            alone = after_zai or _has_de(self.s, end)
            preposition = GROUNDS.get(ground.head.split()[-1]) if alone else None
            if preposition and not self._reads_as_action(i, end, depth):
                places.append((preposition, end))  # the ground alone is the place: nothing after it to read
            found += [(f"{place} {ground.english()}", place_end) for place, place_end in places]
        return found

    def _reads_as_action(self, start: int, end: int, depth: int) -> bool:
        """Whether s[start:end] is also an action, as 爬山 (climbing + mountain) is: a glossary word that ends in a
        place noun ("climb mountain") is no place then, and 在爬山的人 is "person climbing a mountain"."""
        return any(action_end == end for _, action_end in self._actions(start, depth))

    def _features(self, i: int) -> list[tuple[NounPhrase, int]]:
        """Adjectives then a FEATURES word at s[i:]: 金色头发 -> "golden hair", 轮子 -> "wheels"; or then a hair
        word, its adjective ranked as English orders it: 黑色长发 -> "long black hair"."""
        if i not in self.feature_memo:
            features = _words_at(FEATURES, self.s, i)
            found = [(NounPhrase(english), end) for english, end in features if not self._yields_fa(i, end)]
            for english, end in self._hair_words_at(i):  # 长 is a size, 卷 (curly) a state, 金 a colour
                kind = "size" if self.s[i] in SIZES else "colour" if self.s[i] in COLOURS else "state"
                found.append((NounPhrase("hair", (Modifier(kind, english),)), end))
            for adjective, end in self._adjectives(i):
                for rest, rest_end in self._features(_skip_space(self.s, end)):
                    found.append((NounPhrase(rest.head, (adjective, *rest.modifiers)), rest_end))
            self.feature_memo[i] = found
        return self.feature_memo[i]

    def _hair_words_at(self, i: int) -> list[tuple[str, int]]:
        """HAIR words at s[i:] that are hair: 红发女孩 has one, 红发光的灯 none (its 发 is in 发光)."""
        return [(english, end) for english, end in _words_at(HAIR, self.s, i) if not self._yields_fa(i, end)]

    def _yields_fa(self, start: int, end: int) -> bool:
        """Whether s[start:end], a loose 发 (发, 红发, 长发), gives its 发 to a longer word beginning there, as a
        reader does: 红发光 is red + 发光 (glowing), 红发动机 red + 发动机 (engine), 长发夹 long + 发夹 (hairpin)."""
        return self.s[start:end] in _LOOSE_FA and self._cut_short(end - 1, end)

    def _cut_short(self, start: int, end: int) -> bool:
        """Whether a longer glossary or table word begins at `start` than the one ending at `end`."""
        ends = [word_end for _, word_end in self.rules.glossary.matches_at(self.s, start)]
        ends += [word_end for table in _TABLES for _, word_end in _words_at(table, self.s, start)]
        return any(word_end > end for word_end in ends)


def _without_head(clause: str, head: str) -> str:
    """A part had by the head, less the head's own name: a car "with an open car door" is a car "with an open
    door" (车门打开的汽车), a dog "with a dog collar" one "with a collar"."""
    for lead in ("with ", "without "):
        if clause.startswith(lead):
            had = clause[len(lead):]
            shorter = re.sub(rf"(?<![\w-]){re.escape(head)} (?=[a-z])", "", had, count=1)
            article, _, rest = shorter.partition(" ")
            if shorter != had and article in ("a", "an"):
                shorter = f"{_a_or_an(rest)} {rest}"
            return lead + shorter
    return clause


def _shared_verb(first: Modifier, second: Modifier) -> str | None:
    """The verb two clauses one after the other open with, if the same (both "wearing ..."): English says it once."""
    if not first.kind == second.kind == "clause":
        return None
    return next((verb for verb in _VERB_WORDS
                 if first.english.startswith(verb + " ") and second.english.startswith(verb + " ")), None)


def _and(words: list[str]) -> str:
    """"black", "black and white", "red, white and blue"."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _object(verb: str, phrase: NounPhrase) -> str:
    """What a verb takes: food and drink bare ("eating apple") unless counted ("eating two apples")."""
    return phrase.english() if verb in BARE_OBJECT_VERBS and not phrase.many else _counted(phrase)


def _counted(phrase: NounPhrase) -> str:
    """The phrase as what is worn, held or had, with the article English gives it: "a hat", "an orange", "the
    sky"; none for a plural ("glasses", "wheels") or a mass noun ("golden hair"). What the prompt counted as
    several goes plural, with its count when exact ("two apples", 一些书 "books"), as do things worn in pairs
    ("shoes"). A mass noun keeps no count: English would need "pieces of" (两块面包 stays "bread")."""
    last = phrase.head.split()[-1]
    if last in MASS_NOUNS:
        return phrase.english()
    if phrase.many or last in PAIRED:
        return _how_many(phrase) + replace(phrase, head=_plural(phrase.head)).english()
    english = phrase.english()
    if _looks_plural(last):
        return english
    if last in UNIQUE:
        return f"the {english}"
    return f"{_a_or_an(english)} {english}"


def _how_many(phrase: NounPhrase) -> str:
    """"two ", "15 ", "two pairs of " (两双鞋), or nothing: the count said before a plural object."""
    if phrase.count is None:
        return ""
    number = _NUMBER_WORDS[phrase.count] if phrase.count < len(_NUMBER_WORDS) else str(phrase.count)
    return f"{number} pairs of " if phrase.pairs else f"{number} "


def _plural(head: str) -> str:
    """The head with its last word plural: "knife" -> "knives", "hard hat" -> "hard hats"; "glasses" stays."""
    rest, _, last = head.rpartition(" ")
    return f"{rest} {_PLURALIZER.plural(last)}".lstrip()


def _looks_plural(word: str) -> bool:
    """Ends in s, but not as the singulars glass, bus, iris, thermos, canvas do. A plural read as a singular would
    get a wrong "a", so the mistakes this allows go the other way: lens gets no article, as before."""
    return word.endswith("s") and not word.endswith(("ss", "us", "is", "os", "as"))


def _a_or_an(english: str) -> str:
    word = english.split()[0]
    if word.startswith(_AN_BEFORE_H):
        return "an"
    return "an" if word[0] in "aeiou" and not word.startswith(_A_BEFORE_VOWEL) else "a"


def _quantity(quantity: str) -> dict:
    """The NounPhrase fields a quantity sets: none for one thing (一顶, 这个); else several, with the count when
    exact (两个 -> 2, 十二只 -> 12; 几个, 十几个, 一些 give none) and whether it counts pairs (两双, 两副)."""
    if quantity[-1] not in CLASSIFIERS:  # a group: 一群, 一些, 所有
        return {"many": True, "count": None, "pairs": False}
    return _counted_as(quantity[:-1], pairs=quantity[-1] in _PAIR_CLASSIFIERS)


def _counted_as(numeral: str, pairs: bool = False) -> dict:
    """The NounPhrase fields a numeral before a measure sets: none for one thing (一, 这, 1) unless it counts
    pairs; else several, with the count when it is exact and more than one (两 -> 2; 几, 十几 give none)."""
    if numeral in _ONE and not pairs:
        return {}
    count = _number(numeral)
    return {"many": True, "count": count if count and count > 1 else None, "pairs": pairs}


def _number(numeral: str) -> int | None:
    """一 to 九十九, or digits; None for a vague numeral (几, 十几, 多) or one this does not read (一百)."""
    if numeral.isascii() and numeral.isdigit():
        return int(numeral)
    if "十" not in numeral:
        return _DIGITS.get(numeral)
    tens, _, ones = numeral.partition("十")
    tens_value = _DIGITS.get(tens) if tens else 1
    ones_value = _DIGITS.get(ones) if ones else 0
    return None if tens_value is None or ones_value is None else tens_value * 10 + ones_value


def _ordinals_at(s: str, i: int) -> list[tuple[str, int]]:
    """(english, end) for an ordinal at s[i:]: 第二个 "second", 第3只 "third", 第二大的 "second biggest" (a MOST stem
    after it), 倒数第二个 "second to last", 倒数第一个 "last"; its classifier and 的 are part of it."""
    counted_back = s.startswith("倒数第", i)
    if not counted_back and not s.startswith("第", i):
        return []  # 两只 is a quantity, not "second"
    n, k = _number_at(s, i + 3 if counted_back else i + 1)
    if not n:
        return []
    after = _after_de(s, k + 1 if k < len(s) and s[k] in CLASSIFIERS else k)  # 第二个的 -> past 个 and 的
    if counted_back:
        return [("last" if n == 1 else f"{_ordinal(n)} to last", after)]
    found = [(f"{_ordinal(n)} {english}", _after_de(s, end)) for english, end in _words_at(MOST, s, k)]
    return found + [(_ordinal(n), after)]


def _rows_at(s: str, i: int) -> list[tuple[str, int]]:
    """(english, end) for a row or column counted at s[i:], a place: 第二排 -> "in the second row", 第三列 -> "in the
    third column" (seats, shelves of goods, a grid of panels)."""
    n, k = _number_at(s, i + 1) if s.startswith("第", i) else (None, i)
    if not n or k >= len(s) or s[k] not in _LINES:
        return []
    return [(f"in the {_ordinal(n)} {_LINES[s[k]]}", k + 1)]


def _number_at(s: str, i: int) -> tuple[int | None, int]:
    """The number written at s[i:] (二, 十二, 3) and where it ends; None when there is none there."""
    end = i
    while end < len(s) and (s[end] in _DIGITS or s[end] == "十" or s[end].isdigit()):
        end += 1
    return (_number(s[i:end]) if end > i else None), end


def _ordinal(n: int) -> str:
    """1 -> "first" ... 10 -> "tenth", then "11th", "21st", "22nd"."""
    if n <= len(_ORDINAL_WORDS):
        return _ORDINAL_WORDS[n - 1]
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _after_one(s: str, i: int) -> int:
    """Index after a quantity of one thing at s[i:] (那只, 这个, 一个), which a word picking one may have after it."""
    j = _skip_quantity(s, i)
    return j if j != i and _names_one(s[i:j]) else i


def _names_one(quantity: str) -> bool:
    """一顶, 这个, 1个: a quantity of one thing; 两个, 一些, 一群, 一双 are several."""
    return quantity[:-1] in _ONE and quantity[-1] in CLASSIFIERS and quantity[-1] not in _PAIR_CLASSIFIERS


def _words_at(table: dict[str, str], s: str, i: int) -> list[tuple[str, int]]:
    """(english, end) for each word of `table` at s[i:], longest first."""
    return [(table[s[i:end]], end) for end in range(min(len(s), i + _LONGEST_WORD), i, -1) if s[i:end] in table]


def _has_de(s: str, i: int) -> bool:
    return _after_de(s, i) != i


def _after_word(s: str, i: int, word: str) -> int:
    """Index after `word` if s[i:] begins with it; i otherwise."""
    return i + len(word) if s.startswith(word, i) else i


def _after_any(s: str, i: int, words: tuple[str, ...]) -> int:
    """Index after the first of `words` that s[i:] begins with (list longer words first); i when none."""
    return next((i + len(word) for word in words if s.startswith(word, i)), i)


def _after_de(s: str, i: int) -> int:
    """Index after a 的 at s[i:] (spaces allowed); i itself when there is none."""
    j = _skip_space(s, i)
    return j + 1 if s.startswith("的", j) else i


def _skip_space(s: str, i: int) -> int:
    while i < len(s) and s[i] == " ":
        i += 1
    return i


def _after_frame(s: str) -> int:
    """Where the prompt starts after naming the picture: 图中的狗, 照片里的人 -> the 狗, the 人; 画面左侧的车 -> 左侧的车.
    0 when it names none: 图片上的文字 is text on a picture, which the picture can hold."""
    for frame in FRAMES:
        if s.startswith(frame):
            after = len(frame)
            if s.startswith(_IN_FRAME, after):
                return _after_de(s, after + 1)
            if _words_at(SIDES, s, after):
                return after
    return 0


def _containers_at(s: str, i: int) -> list[tuple[NounPhrase, int]]:
    """(the container as a phrase, where what it holds starts) for a numeral and a CONTAINERS word at s[i:], a size
    allowed between them: 一碗 -> "bowl", 两杯 -> "cup" counted 2, 这一大盘 / 一大盘 -> "big plate"."""
    j = _numeral_end(s, i)
    if j == i:
        return []
    quantity = _counted_as(s[i:j])
    sizes = [((Modifier("size", english),), end) for english, end in _words_at(SIZES, s, j) if s[j:end] in ("大", "小")]
    found = []
    for size, k in [*sizes, ((), j)]:
        found += [(NounPhrase(english, size, **quantity), end) for english, end in _words_at(CONTAINERS, s, k)]
    return found


def _contents(phrase: NounPhrase) -> str:
    """What a container holds, as English says it after "of": a mass noun as it is ("of coffee"), else plural
    ("of noodles", "of red apples")."""
    last = phrase.head.split()[-1]
    if last in MASS_NOUNS or _looks_plural(last):
        return f"of {phrase.english()}"
    return f"of {replace(phrase, head=_plural(phrase.head)).english()}"


def _skip_quantity(s: str, i: int) -> int:
    """一只 / 两辆 / 3个 / 几头 / 这些 / 一群 / 所有的: SAM 3 finds every instance of a noun phrase, so how many
    the prompt mentions changes nothing it can do; skip the quantity and keep the noun ("两只狗" -> "dog")."""
    for word in _GROUPS:
        if s.startswith(word, i):
            return _after_de(s, i + len(word))
    j = _numeral_end(s, i)
    if j > i and j < len(s) and s[j] in CLASSIFIERS:
        return j + 1
    return i


def _numeral_end(s: str, i: int) -> int:
    """Index after the numerals at s[i:] (一, 两, 十几, 这, 3) that may come before a measure; i when none."""
    while i < len(s) and (s[i] in _NUMERALS or s[i].isdigit()):
        i += 1
    return i
