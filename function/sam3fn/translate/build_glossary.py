"""Build the packaged zh->en glossary from the RAM tag lists.

Source: `ram/data/ram_tag_list.txt` and `ram/data/ram_tag_list_chinese.txt` of xinyu1205/recognize-anything
(Recognize Anything Model), Apache License 2.0: 4,584 line-aligned visual tags, English and Chinese.

    python -m sam3fn.translate.build_glossary --ram-dir DIR --out function/sam3fn/translate/data/glossary_zh_en.tsv

Cleaning, in order: whitespace and parenthesised notes are stripped; for "甲/乙" only 甲 is kept (what
follows the slash are other senses of an ambiguous English tag, e.g. 胡同/球道 = alley / bowling alley);
both sides are lowercased; keys with no Chinese characters go (English prompts are never translated); keys
in DROPPED go; a key that RAM maps to several English tags keeps the first unless OVERRIDES decides;
finally OVERRIDES replaces loose mappings and adds common words RAM lacks.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

# Hand-chosen English for Chinese keys RAM maps loosely or to several tags (the common noun a person
# would type, as in COCO/LVIS), and common object words RAM lacks.
OVERRIDES: dict[str, str] = {
    # one Chinese key, several RAM tags
    "表演": "performance", "胶带": "tape", "机场": "airport", "飞行员": "pilot", "秃鹰": "vulture",
    "扩音器": "megaphone", "短袜": "sock", "设备": "equipment", "通道": "passage", "车展": "car show",
    "汽车模型": "model car", "栏杆": "railing", "烧烤架": "grill", "手推车": "cart", "浴室": "bathroom",
    "集市": "market", "床单": "bed sheet", "钻头": "drill bit", "乌鸦": "crow", "窗帘": "curtain",
    "闪光": "flash", "花": "flower", "浮标": "buoy", "门闩": "latch", "广播": "radio",
    "巧克力蛋糕": "chocolate cake", "昆虫": "insect", "牛": "cow", "兔子": "rabbit", "公交车站": "bus stop",
    "小屋": "hut", "摄像机": "video camera", "帽子": "hat", "斗篷": "cloak", "后视镜": "rearview mirror",
    "容器": "container", "美洲狮": "mountain lion", "教堂": "church", "房间": "room",
    "圣诞装饰": "christmas ornament", "玉米": "corn", "贝壳": "shell", "建筑工人": "construction worker",
    "燕麦片": "oatmeal", "走廊": "hallway", "院子": "yard", "厕所": "restroom", "十字路口": "intersection",
    "龙卷风": "tornado", "装饰": "decoration", "桌面": "tabletop", "杂志": "magazine", "餐厅": "restaurant",
    "自动售货机": "vending machine", "狗窝": "dog house", "住宅": "house", "皮鞋": "leather shoe",
    "水滴": "water drop", "泡芙": "cream puff", "晚上": "night", "毛巾": "towel", "一餐": "meal",
    "浅滩": "shoal", "队列": "queue", "卡车": "truck", "星云": "nebula", "发型": "hairstyle",
    "发夹": "hairpin", "放大镜": "magnifying glass", "别墅": "villa", "室内设计": "interior design",
    "骑马": "horse riding", "混合物": "mixture", "溜冰场": "skating rink", "溜冰鞋": "roller skates",
    "平板电脑": "tablet", "帝王蟹": "king crab", "珠宝": "jewelry", "腿": "leg", "洗衣房": "laundry room",
    "窗台": "window sill", "安全带": "seat belt", "标志": "sign", "冲浪板": "surfboard", "雨衣": "raincoat",
    "野鸭": "mallard", "橘子": "tangerine", "大厦": "building", "沼泽": "swamp", "摩托车": "motorcycle",
    "霓虹灯": "neon light", "包": "bag", "警车": "police car", "储藏室": "storage room", "纸巾": "tissue",
    "停车标志": "stop sign", "相框": "picture frame", "钳子": "pliers", "袋": "bag", "雷": "thunder",
    "倒影": "reflection", "橄榄球": "rugby ball", "剪刀": "scissors", "勺子": "spoon", "楼梯": "stairs",
    "搅拌器": "whisk", "t恤": "t-shirt", "乌龟": "turtle", "洗衣机": "washing machine", "拉链": "zipper",
    "衣服": "clothes", "炸薯条": "french fries", "人行道": "sidewalk", "蝴蝶结": "bow", "厨师": "chef",
    # loose single mappings
    "汽车": "car", "手机": "phone", "鞋子": "shoe", "泰迪熊": "teddy bear", "餐桌": "dining table",
    "公鸡": "rooster", "老鼠": "mouse", "墨镜": "sunglasses", "口罩": "face mask", "书包": "school bag",
    "雨伞": "umbrella", "马桶": "toilet", "面条": "noodles", "台灯": "desk lamp",
    "工作服": "work clothes", "火锅": "hot pot", "汉堡": "hamburger", "包子": "steamed bun", "温室": "greenhouse",
    "警察": "police officer", "辣椒": "chili pepper", "青椒": "green pepper", "台阶": "steps",
    # RAM's tag is loose, rare or wrong for what a picture shows (书桌 was "bureau", 包菜 "brussels sprout")
    "书桌": "desk", "包菜": "cabbage", "岩石": "rock", "口琴": "harmonica", "内衣": "underwear",
    "内裤": "underwear", "坐垫": "cushion", "台座": "pedestal", "斗柜": "chest of drawers", "扣子": "button",
    "睫毛": "eyelash", "橱柜": "kitchen cabinet", "小船": "small boat", "小丑": "clown", "泥路": "dirt road",
    "烟火": "firework", "玄关": "entryway", "电车": "tram", "吧台": "bar counter", "台球": "billiards",
    "筛子": "sieve", "露台": "terrace", "衣柜": "wardrobe", "躺椅": "lounge chair", "高山": "mountain",
    "鱼船": "fishing boat", "礼帽": "top hat", "红灯": "red light", "荷花": "lotus", "鬣狗": "hyena",
    "粽子": "rice dumpling", "汤圆": "glutinous rice ball", "海参": "sea cucumber", "蟑螂": "cockroach",
    "螳螂": "mantis", "酸奶": "yogurt", "荔枝": "lychee", "肉铺": "butcher shop", "茶壶": "teapot",
    "茶几": "coffee table", "瓢虫": "ladybug", "浴缸": "bathtub", "水壶": "kettle", "真菌": "fungus",
    # the same for longer words (稻草人 was "strawman", 穿山甲 "armadillo", 鹅肝酱 "foie gra"); RAM has 抽屉 only
    # as 抽屉里, "drawer"
    "信天翁": "albatross", "双簧管": "oboe", "可卡犬": "cocker spaniel", "吸入器": "inhaler", "吹风机": "hair dryer",
    "猕猴桃": "kiwi fruit", "工具包": "tool kit", "排气扇": "exhaust fan",
    "暹罗猫": "siamese cat", "梧桐树": "plane tree", "演唱会": "concert", "皮肤病": "skin disease",
    "监控器": "security camera", "示意图": "diagram", "稻草人": "scarecrow", "穿山甲": "pangolin",
    "红番椒": "chili pepper", "蜂鸣器": "buzzer", "背带裤": "overalls", "化妆包": "makeup bag", "化妆水": "toner",
    "仪表盘": "dashboard", "划船器": "rowing machine", "旧城区": "old town", "洗碗液": "dish soap",
    "滑雪鞋": "ski boot", "婴儿床": "crib", "棒球帽": "baseball cap", "逆戟鲸": "orca", "鸭嘴兽": "platypus",
    "鹅肝酱": "foie gras", "鹰嘴豆": "chickpea", "过山车": "roller coaster", "运动场": "sports field",
    "运动裤": "sweatpants", "风向标": "weather vane", "黑山羊": "black goat", "输送机": "conveyor",
    "双筒望远镜": "binoculars", "双层巴士": "double-decker bus", "喜剧演员": "comedian", "婴儿衣服": "baby clothes",
    "秋天的叶子": "autumn leaf", "高层建筑": "high-rise building", "黑白照片": "black and white photo",
    "长尾小鹦鹉": "parakeet", "油炸食品": "fried food", "考古现场": "archaeological excavation",
    "萨克斯管": "saxophone", "自行车骑士": "cyclist", "抽屉": "drawer",
    # common words RAM lacks
    "夹克": "jacket", "小孩": "child", "瓶子": "bottle", "巴士": "bus", "狗狗": "dog", "猫咪": "cat",
    "小狗": "puppy", "小猫": "kitten", "裙子": "skirt", "人们": "people", "男子": "man", "女子": "woman",
    "老人": "elderly person", "宝宝": "baby", "桌": "table", "轿车": "car", "小汽车": "car",
    "电视机": "television", "杯": "cup", "叉子": "fork", "刀": "knife", "钟": "clock", "交通灯": "traffic light",
    "消防栓": "fire hydrant", "长椅": "bench", "手提箱": "suitcase", "行李箱": "suitcase",
    "葡萄酒杯": "wine glass", "盆栽": "potted plant", "盆栽植物": "potted plant", "书本": "book",
    "绵羊": "sheep", "建筑物": "building", "房屋": "house", "楼": "building", "街道": "street",
    "树木": "tree", "草地": "lawn", "湖": "lake", "海": "sea", "球员": "player", "运动鞋": "sneaker",
    "袜子": "sock", "钱包": "wallet", "单车": "bicycle", "照相机": "camera", "显示器": "monitor",
    "垃圾桶": "trash can", "箱子": "box", "柜子": "cabinet", "毯子": "blanket", "塑料袋": "plastic bag",
    "滑雪者": "skier", "消防员": "firefighter", "老年人": "elderly person", "船只": "boat",
    "停车计时器": "parking meter", "画": "painting", "轮子": "wheel",
    "发动机": "engine",  # RAM has only 引擎
    # what annotators label beyond everyday photos: faces and body parts, roads and sites, inspection,
    # remote sensing, crops, microscopy and medical images
    "人脸": "face", "头部": "head", "嘴巴": "mouth", "手指": "finger", "牙齿": "tooth", "身体": "body",
    "儿童": "child", "安全帽": "hard hat", "反光衣": "reflective vest", "道路": "road", "车道线": "lane line",
    "路牌": "road sign", "塔吊": "tower crane", "吊车": "crane", "电动车": "electric bike", "储罐": "storage tank",
    "太阳能板": "solar panel", "光伏板": "solar panel", "水体": "water body", "河流": "river", "裂缝": "crack",
    "缺陷": "defect", "划痕": "scratch", "锈迹": "rust", "污渍": "stain", "焊缝": "weld seam", "螺丝": "screw",
    "零件": "part", "方块": "square", "文字": "text", "阴影": "shadow", "柜": "cabinet", "颗粒": "particle",
    "叶子": "leaf", "叶": "leaf", "果实": "fruit", "果子": "fruit", "花朵": "flower", "虫子": "bug",
    "病斑": "disease spot", "细胞": "cell", "细胞核": "cell nucleus", "血管": "blood vessel", "骨头": "bone",
    "器官": "organ", "肺": "lung", "肝脏": "liver", "肿瘤": "tumor", "病灶": "lesion", "息肉": "polyp",
    "交通信号灯": "traffic light", "信号灯": "traffic light", "车牌号": "license plate", "坑洼": "pothole",
    "坑槽": "pothole", "积水": "standing water", "渣土车": "dump truck", "电动自行车": "electric bike",
    "反光背心": "reflective vest", "绝缘子": "insulator", "输电线": "power line", "输电线路": "power line",
    "杆塔": "transmission tower", "烟": "smoke", "油罐": "oil tank", "塑料瓶": "plastic bottle",
    "漂浮物": "floating debris", "大棚": "greenhouse", "水稻": "rice plant", "麦穗": "wheat ear",
    "红细胞": "red blood cell", "白细胞": "white blood cell", "结节": "nodule", "货架": "shelf",
    "商品": "product", "印章": "stamp",
    "货车": "truck",  # RAM: van, which is 面包车; a 货车 is a goods truck
    # everyday names, found missing or loose by bench/data/translate_prompts_zh_everyday.txt (its
    # expectations written before these): pets by breed and nickname, vehicles and street things by what
    # people call them, home, clothes and food words, and trade words from sites, farms and clinics
    "金毛": "golden retriever", "金毛犬": "golden retriever", "柯基": "corgi", "柯基犬": "corgi",
    "泰迪": "poodle", "泰迪犬": "poodle", "萨摩耶": "samoyed", "萨摩耶犬": "samoyed", "边牧": "border collie",
    "边境牧羊犬": "border collie", "德牧": "german shepherd", "德国牧羊犬": "german shepherd",
    "博美": "pomeranian", "博美犬": "pomeranian", "二哈": "husky", "法斗": "french bulldog",
    "法国斗牛犬": "french bulldog", "土狗": "dog", "中华田园犬": "dog", "流浪狗": "stray dog",
    "流浪猫": "stray cat", "橘猫": "orange cat", "布偶猫": "ragdoll cat", "英短": "british shorthair",
    "英国短毛猫": "british shorthair", "美短": "american shorthair", "狸花猫": "tabby cat",
    "奶牛猫": "tuxedo cat", "三花猫": "calico cat", "小鸡": "chick", "大鹅": "goose",
    "电瓶车": "electric bike", "小电驴": "electric bike", "共享单车": "bicycle", "大巴": "bus",
    "大巴车": "bus", "公交": "bus", "摩托": "motorcycle", "皮卡": "pickup truck", "皮卡车": "pickup truck",
    "水泥罐车": "concrete mixer truck", "搅拌车": "concrete mixer truck", "洒水车": "water truck",
    "房车": "camper van", "高铁": "bullet train", "平衡车": "hoverboard", "滑板车": "scooter",
    "婴儿推车": "stroller", "锥桶": "traffic cone", "雪糕筒": "traffic cone", "路锥": "traffic cone",
    "围墙": "wall", "监控": "security camera", "监控摄像头": "security camera", "摄像头": "camera",
    "空调外机": "air conditioner", "晾衣架": "drying rack", "停车位": "parking space", "车位": "parking space",
    "充电桩": "charging station", "快递柜": "parcel locker", "外卖箱": "delivery box",
    "外卖员": "delivery rider", "外卖小哥": "delivery rider", "快递员": "courier", "快递小哥": "courier",
    "快递": "package", "快递盒": "package", "快递箱": "package", "保安": "security guard",
    "交警": "traffic police officer", "环卫工": "sanitation worker", "环卫工人": "sanitation worker",
    "矿泉水瓶": "water bottle", "水瓶": "water bottle", "水杯": "cup", "保温杯": "thermos", "易拉罐": "can",
    "烟头": "cigarette butt", "打火机": "lighter", "充电宝": "power bank", "数据线": "cable",
    "充电线": "charging cable", "插线板": "power strip", "排插": "power strip", "扫把": "broom",
    "垃圾袋": "garbage bag", "卷纸": "toilet paper", "电风扇": "electric fan", "暖气片": "radiator",
    "暖气": "radiator", "花盆": "flower pot", "绿植": "potted plant", "戒指": "ring", "手链": "bracelet",
    "羽绒服": "down jacket", "卫衣": "hoodie", "米饭": "rice", "烤串": "skewer", "鸡蛋": "egg",
    "西红柿": "tomato", "配电箱": "electrical box", "电表": "electric meter", "管道": "pipe", "仪表": "gauge",
    "螺栓": "bolt", "轴承": "bearing", "传送带": "conveyor belt", "钢筋": "rebar", "砖": "brick",
    "秧苗": "seedling", "病变": "lesion", "肺结节": "lung nodule", "痘痘": "pimple",
    # places a scene is set in (在沙滩上, 在商场里)
    "沙滩": "beach", "马路": "road", "树林": "woods", "商场": "shopping mall", "雪地": "snow",
    "公交站": "bus stop", "情侣": "couple", "工地": "construction site", "路面": "road surface",
    "警戒线": "caution tape",
    # RAM's word is another sense than the one a photo shows
    "护栏": "guardrail", "围栏": "fence", "招牌": "sign", "面包车": "van", "电线杆": "utility pole",
    "拖把": "mop", "灭火器": "fire extinguisher", "涂鸦": "graffiti", "包裹": "package", "小吃": "snack",
    "大门": "gate", "平板": "tablet",
    "冰淇淋": "ice cream",  # RAM: icecream
    # the words of Taiwan and Hong Kong where the mainland says another, found missing by
    # bench/data/translate_prompts_zh_traditional.txt (its expectations written before these); keyed in
    # Simplified, as the translator converts Traditional prompts before the lookup (translate/script.py)
    "公车": "bus", "捷运": "subway", "笔电": "laptop", "冷气": "air conditioner", "冷气机": "air conditioner",
    "宝特瓶": "plastic bottle", "便当": "bento", "凤梨": "pineapple", "马铃薯": "potato", "高丽菜": "cabbage",
    "奇异果": "kiwi fruit", "酪梨": "avocado", "花椰菜": "cauliflower", "无尾熊": "koala", "的士": "taxi",
    "电单车": "motorcycle", "私家车": "car", "雪糕": "ice cream", "士多啤梨": "strawberry", "薯仔": "potato",
    "车厘子": "cherry", "雪柜": "refrigerator", "手袋": "handbag", "波鞋": "sneaker", "卫生间": "bathroom",
    "洗手间": "restroom",
    # everyday words found refused, or read in another sense, while trying the product
    # (a section of bench/data/translate_prompts_zh_everyday.txt, its expectations written before these)
    "钥匙": "key", "座椅": "seat", "鸭": "duck", "胳膊": "arm", "焊工": "welder", "快递车": "delivery van",
    "婴儿车": "stroller", "滑梯": "slide", "扶手": "handrail", "推车": "cart", "推土机": "bulldozer",
    "秋千": "swing",  # RAM: swinge
    # words refused while trying the part rules on shop, street, hospital and farm prompts, and others of
    # their kinds (a section of the everyday list, its expectations written before these)
    "价格标签": "price tag", "手机壳": "phone case", "收银台": "checkout counter", "试衣间": "fitting room",
    "餐盘": "plate", "吸管": "drinking straw", "灯泡": "light bulb", "电灯泡": "light bulb",
    "病害叶片": "diseased leaf", "温室大棚": "greenhouse", "玫瑰花": "rose", "导盲犬": "guide dog",
    "飞机跑道": "runway", "公交站台": "bus stop", "站台": "platform", "地铁口": "subway entrance",
    "外卖骑手": "delivery rider", "网约车": "car", "电动三轮车": "electric tricycle",
    "老年代步车": "mobility scooter", "雨刷": "windshield wiper", "雨刷器": "windshield wiper", "车把": "handlebar",
    "下水道": "sewer", "路沿石": "curb", "隔离带": "median strip", "绿化带": "green belt", "旗帜": "flag",
    "凉亭": "pavilion", "分类垃圾桶": "recycling bin", "邮筒": "mailbox", "报刊亭": "newsstand",
    "病床": "hospital bed", "病号服": "hospital gown", "输液瓶": "iv bottle", "输液架": "iv pole",
    # car and body parts said alone (the phrase rules' PARTS read them after their whole)
    "引擎盖": "hood", "尾灯": "taillight", "后备箱": "trunk", "排气管": "exhaust pipe", "膝盖": "knee", "车座": "seat",
    # what city-management cameras are annotated for (a section of the scenes list); 违停车辆 is said as one word
    "违停车辆": "illegally parked vehicle", "杂物": "clutter", "积雪": "snow", "盲道": "tactile paving",
    "商贩": "vendor",
    "叉": "fork",  # as 刀 is "knife": 拿着刀和叉的人 (RAM has only 叉子)
    # farm and shop-shelf words found refused (a section of the everyday list); a flock is its sheep, as
    # 一群羊 is: SAM 3 finds each one
    "羊群": "sheep", "猪圈": "pigsty", "虫害": "pest damage", "病叶": "diseased leaf", "葡萄串": "bunch of grapes",
    "玉米地": "cornfield", "牛棚": "cowshed", "收银员": "cashier", "包装": "packaging", "条形码标签": "barcode label",
    # remote-sensing and industrial-inspection words found refused (a section of the everyday list)
    "道路交叉口": "intersection", "裸地": "bare land", "耕地": "farmland", "港口": "port", "桥梁": "bridge",
    "铁路": "railway", "风力发电机": "wind turbine", "输电塔": "transmission tower", "厂房": "factory building",
    "油污": "oil stain", "漏油": "oil leak", "焊接缺陷": "weld defect", "芯片": "chip", "电容": "capacitor",
    "电阻": "resistor", "元件": "component", "pcb板": "circuit board", "墙面": "wall",
    "玻璃": "glass",  # a material before a noun (玻璃杯), and a thing of its own: 玻璃上的裂纹
    # document and medical-image words found refused (a section of the everyday list)
    "手写文字": "handwritten text", "公章": "official seal", "文本框": "text box", "肺部结节": "lung nodule",
    "骨折": "fracture", "眼底": "fundus", "视网膜": "retina", "皮肤病变": "skin lesion",
    # Objects365-style category names found refused (a section of the everyday list)
    "储物箱": "storage box", "音箱": "speaker", "画笔": "paintbrush", "罐头": "canned food", "钹": "cymbal",
    "救生圈": "life buoy", "遮阳篷": "awning", "电源插座": "power outlet", "冰球棒": "hockey stick",
    "机械车辆": "construction vehicle", "头戴式耳机": "headphones", "壶": "kettle", "蝴蝶领结": "bow tie",
    "铲子": "shovel", "咖啡桌": "coffee table", "侧桌": "side table", "重型卡车": "heavy truck",
    "美式足球": "american football", "青豆": "green beans", "萨克斯": "saxophone", "高尔夫球": "golf ball",
    "钓鱼竿": "fishing rod", "青葱": "green onion", "坚果": "nut", "感应炉": "induction cooker", "便签": "sticky note",
    "勺": "spoon", "衣夹": "clothespin", "游戏机手柄": "game controller", "粉扑": "powder puff", "柚子": "pomelo",
    "对联": "chinese couplet", "鞭炮": "firecracker", "春联": "spring festival couplet", "水马": "water-filled barrier",
    "隔离栏": "barrier", "减速带": "speed bump", "排水口": "drain", "窨井盖": "manhole cover",
    # people and things of a section of the scenes list that RAM lacks
    "摊贩": "street vendor", "妈妈": "mother", "爸爸": "father", "土方": "soil", "白大褂": "white coat",
    # animals, plants and vehicles found refused (a section of the everyday list), and young animals, which
    # 小 + the animal would read as "small cow"
    "苍蝇": "fly", "老鹰": "eagle", "牛犊": "calf", "马驹": "foal", "野猪": "wild boar", "麋鹿": "elk",
    "豹子": "leopard", "蚯蚓": "earthworm", "蚂蚱": "grasshopper", "蝙蝠": "bat", "梅花": "plum blossom",
    "桃花": "peach blossom", "枫树": "maple tree", "银杏": "ginkgo", "苔藓": "moss", "落叶": "fallen leaves",
    "幼苗": "seedling", "麦子": "wheat", "大豆": "soybean", "茶叶": "tea leaf", "烟叶": "tobacco leaf",
    "葡萄藤": "grapevine", "西瓜藤": "watermelon vine", "有轨电车": "tram", "轮船": "ship", "皮划艇": "kayak",
    "潜水艇": "submarine", "小羊": "lamb", "小牛": "calf", "小马": "pony", "小鸭": "duckling", "小猪": "piglet",
    "小熊": "bear cub", "小女孩": "little girl", "小男孩": "little boy",
    # household, stationery, clothing and food words found refused (a section of the everyday list); 随身碟
    # is Taiwan's U盘
    "菜刀": "kitchen knife", "锅铲": "spatula", "蒸锅": "steamer", "电饭锅": "rice cooker", "保鲜盒": "food container",
    "调料瓶": "spice bottle", "酱油": "soy sauce", "醋瓶": "vinegar bottle", "盐罐": "salt shaker",
    "糖罐": "sugar jar", "油壶": "oil bottle", "洗洁精": "dish soap", "晾衣杆": "clothes drying pole",
    "洗衣液": "laundry detergent", "沐浴露": "body wash", "马桶刷": "toilet brush", "纸巾盒": "tissue box",
    "落地灯": "floor lamp", "门铃": "doorbell", "门锁": "door lock", "钥匙扣": "keychain", "鞋柜": "shoe cabinet",
    "沙发垫": "sofa cushion", "靠垫": "cushion", "百叶窗": "blinds", "回形针": "paper clip", "胶水": "glue",
    "尺子": "ruler", "橡皮": "eraser", "圆珠笔": "ballpoint pen", "马克笔": "marker", "笔筒": "pen holder",
    "档案袋": "document bag", "打印纸": "printer paper", "u盘": "usb flash drive", "随身碟": "usb flash drive",
    "硬盘": "hard drive", "音响": "speaker", "文具盒": "pencil case", "作业本": "exercise book", "课本": "textbook",
    "棉袄": "padded jacket", "长裤": "trousers", "泳衣": "swimsuit", "鸭舌帽": "baseball cap", "发卡": "hair clip",
    "发圈": "hair tie", "帆布鞋": "canvas shoe", "油条": "fried dough stick", "烧饼": "sesame flatbread",
    "米粉": "rice noodles", "馄饨": "wonton", "拉面": "ramen", "可乐": "cola",
    # sports, electronics, building and people words found refused (a section of the everyday list)
    "篮球架": "basketball hoop", "乒乓球台": "table tennis table", "羽毛球": "shuttlecock", "排球网": "volleyball net",
    "泳镜": "swimming goggles", "轮滑鞋": "roller skates", "护腕": "wrist guard", "弓箭": "bow and arrow",
    "台式机": "desktop computer", "显示屏": "display screen", "智能手表": "smartwatch", "电子书": "e-reader",
    "游戏机": "game console", "手柄": "game controller", "投影": "projection", "热水壶": "electric kettle",
    "加湿器": "humidifier", "扫地机器人": "robot vacuum", "电熨斗": "iron", "楼房": "building", "平房": "bungalow",
    "教学楼": "school building", "宿舍楼": "dormitory building", "办公楼": "office building", "菜市场": "food market",
    "体育馆": "gymnasium", "游泳馆": "indoor swimming pool", "饭店": "restaurant", "酒店": "hotel",
    "汽车站": "bus station", "地下通道": "underpass", "清洁工": "cleaner", "渔民": "fisherman", "军人": "soldier",
    "一家人": "family",
    # industrial-defect, crop, medical and road-inspection words found refused (a section of the everyday list)
    "凹陷": "dent", "锈蚀": "corrosion", "污点": "stain", "缺口": "notch", "毛刺": "burr", "焊点": "solder joint",
    "油漆脱落": "peeling paint", "变色": "discoloration", "漏液": "leakage", "破洞": "hole", "褶皱": "wrinkle",
    "异物": "foreign object", "缺件": "missing part", "虚焊": "cold solder joint", "病虫害": "pest damage",
    "烂果": "rotten fruit", "叶斑病": "leaf spot", "白粉病": "powdery mildew", "蚜虫": "aphid", "稻穗": "rice ear",
    "玉米棒": "corn cob", "秸秆": "straw", "肿块": "lump", "出血": "hemorrhage", "龋齿": "dental caries",
    "脊柱": "spine", "肾脏": "kidney", "溃疡": "ulcer", "痣": "mole", "皮疹": "rash", "包装盒": "packaging box",
    "安全绳": "safety rope", "冷却塔": "cooling tower", "变压器": "transformer", "风机": "wind turbine",
    "抛洒物": "spilled debris", "遗撒物": "spilled debris", "施工区域": "construction area",
    "地面": "ground",  # RAM has it only inside 地面上, a place
    "水印": "watermark", "野餐垫": "picnic blanket", "小鸟": "bird",  # 小鸟 is any bird, said fondly
    # shop-shelf and city-infrastructure words found refused (a section of the everyday list)
    "价签": "price tag", "吊牌": "hang tag", "包装袋": "packaging bag", "快递单": "shipping label", "条码": "barcode",
    "瓶装水": "bottled water", "罐装可乐": "canned cola", "盒装牛奶": "boxed milk", "袋装零食": "bagged snack",
    "快递三轮车": "delivery tricycle", "老头乐": "low-speed electric car", "公交专用道": "bus lane",
    "非机动车道": "bike lane", "导向箭头": "road arrow marking", "停止线": "stop line", "网格线": "grid line",
    "隔音墙": "noise barrier", "龙门架": "gantry", "收费站": "toll station", "加油枪": "fuel nozzle",
    "充电枪": "charging connector", "灭火器箱": "fire extinguisher box", "应急灯": "emergency light",
    "安全出口标志": "exit sign", "公交站牌": "bus stop sign", "广告灯箱": "advertising light box",
    "垃圾分类箱": "recycling bin", "果皮箱": "litter bin", "共享充电宝": "power bank", "外卖柜": "delivery locker",
    "门禁": "access control reader", "道闸": "barrier gate", "岗亭": "guard booth", "树池": "tree pit",
    "车位锁": "parking lock", "地锁": "parking lock", "减速垄": "speed bump", "反光镜": "convex mirror",
    "警示牌": "warning sign", "施工围挡": "construction fence", "安全网": "safety net",
    # fruits, vegetables and dishes found refused (a section of the everyday list); 油菜 is left out, rapeseed
    # in a field and yu choy at a stall
    "桃": "peach", "杏": "apricot", "桑葚": "mulberry", "龙眼": "longan", "桂圆": "longan", "山竹": "mangosteen",
    "枣": "jujube", "板栗": "chestnut", "瓜子": "sunflower seeds", "韭菜": "chinese chives", "空心菜": "water spinach",
    "茼蒿": "garland chrysanthemum", "香菜": "cilantro", "葱": "green onion", "蒜": "garlic", "山药": "chinese yam",
    "莲藕": "lotus root", "丝瓜": "loofah", "苦瓜": "bitter melon", "西葫芦": "zucchini", "豆角": "green beans",
    "四季豆": "green beans", "毛豆": "edamame", "香菇": "shiitake mushroom", "金针菇": "enoki mushroom",
    "木耳": "wood ear mushroom", "豆芽": "bean sprouts", "竹笋": "bamboo shoot", "花菜": "cauliflower",
    "紫甘蓝": "red cabbage", "红烧肉": "braised pork", "宫保鸡丁": "kung pao chicken", "麻婆豆腐": "mapo tofu",
    "糖醋排骨": "sweet and sour ribs", "鱼香肉丝": "fish-flavored shredded pork", "北京烤鸭": "peking duck",
    "小笼包": "soup dumpling", "煎饺": "potsticker", "凉皮": "cold noodles", "肉夹馍": "roujiamo",
    "臭豆腐": "stinky tofu", "麻辣烫": "malatang", "酸辣粉": "hot and sour noodles",
    "螺蛳粉": "river snail rice noodles", "炸酱面": "noodles with soybean paste", "牛肉面": "beef noodles",
    "蛋炒饭": "egg fried rice", "盖浇饭": "rice bowl", "八宝粥": "eight treasure porridge", "豆花": "tofu pudding",
    "糖葫芦": "candied hawthorns", "薯片": "potato chips", "桃树": "peach tree", "枣树": "jujube tree",
    "蒜头": "garlic", "小葱": "scallion",
    # street, office, home, aerial-image and people words found refused or read loosely (a section of the
    # everyday list): RAM gave 山顶 as "crest" and the trees as bare "pine", "willow"
    "空车位": "empty parking space", "交通锥": "traffic cone", "鸟窝": "bird nest", "X光片": "x-ray",
    "X光": "x-ray", "停机坪": "apron", "山顶": "mountaintop", "公路": "road", "隧道入口": "tunnel entrance",
    "隧道口": "tunnel entrance", "电动汽车": "electric car", "新能源汽车": "electric car", "讲台": "podium",
    "会议桌": "conference table", "楼梯扶手": "stair handrail", "泥土": "soil", "烤鸭": "roast duck",
    "玩具熊": "teddy bear", "乐高积木": "lego bricks", "储油罐": "oil storage tank", "变电站": "substation",
    "货轮": "cargo ship", "松树": "pine tree", "柳树": "willow tree", "马尾": "ponytail",
    # worn over the ears as often as in them, and what a scene annotator means by 耳机 (RAM: "earphone")
    "耳机": "headphones", "皮沙发": "leather couch", "花纹": "pattern", "牌子": "sign",
    "上衣": "top",  # 红色上衣的女人 -> "woman wearing a red top"
    # animals, plants and sky in nature photos found refused (a section of the everyday list)
    "荷叶": "lotus leaf", "青苔": "moss", "田埂": "field ridge", "落日": "setting sun", "夕阳": "setting sun",
    "蚂蚁窝": "anthill", "蚁穴": "anthill", "马蜂窝": "wasp nest",
    # document-layout, screenshot and medical-image words found refused (a section of the everyday list)
    "发票": "invoice", "标题": "title", "页码": "page number", "折线图": "line chart", "柱状图": "bar chart",
    "条形图": "bar chart", "饼图": "pie chart", "饼状图": "pie chart", "输入框": "input box", "弹窗": "pop-up",
    "菜单栏": "menu bar", "导航栏": "navigation bar", "头像": "avatar", "边框": "border", "对话框": "dialog box",
    "进度条": "progress bar", "复选框": "checkbox", "单选框": "radio button", "下拉框": "dropdown",
    "脑部": "brain", "骨折处": "fracture",
    # the general words an annotator falls back on; 人头 is what crowd counting labels
    "人头": "head", "物体": "object", "物品": "object",
}  # fmt: skip

# Keys whose RAM tag is a verb, an abstract idea or a wrong sense: useless or misleading as a prompt.
DROPPED: frozenset[str] = frozenset(
    "帮助 外观 集会 连接 锦标赛 追逐 比赛 控制 课程 黑暗 发光 改造 操作 救援 旅行 安全 出售 站 洗 "
    "背后 击打 接连猛打 鞠躬 卷 握着 检查 鼓励 一本 装修 外壳 隐藏 倾斜 隐约显现 开阔的 栖息 玩 指 "
    "拳头猛击 水沟 骑 坐 拍 说话 眼泪 戏法 添加 调整 行动 活动 冒险 "
    # one-character verbs and adjectives: as a head they took size words (小吃 became "small eat"); the
    # phrase rules read 吃, 拉, 飞... from their own verb tables, not from here
    "写 切 刺 去 吃 吹 咬 啜 戳 扔 扭 拉 拖 挤 推 摇 撒 教 死 浸 爬 爱 磨 笑 给 缝 舔 走 跑 跳 踢 蹲 躺 飞 湿 热 紧 平".split()
)

_NOTE = re.compile(r"[（(][^）)]*[）)]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

HEADER = """\
# zh -> en glossary of visual object words for sam3fn prompt translation.
# Derived from the RAM tag lists (ram/data/ram_tag_list.txt, ram/data/ram_tag_list_chinese.txt) of
# https://github.com/xinyu1205/recognize-anything, Apache License 2.0, cleaned with a hand-written
# override table. Generated by: python -m sam3fn.translate.build_glossary (do not edit by hand).
# Format: chinese<TAB>english, one entry per line.
"""


def read_ram_pairs(ram_dir: Path) -> list[tuple[str, str]]:
    """Line-aligned (chinese, english) pairs; fails if the two lists do not align."""
    english = (ram_dir / "ram_tag_list.txt").read_text(encoding="utf-8").splitlines()
    chinese = (ram_dir / "ram_tag_list_chinese.txt").read_text(encoding="utf-8").splitlines()
    while chinese and not chinese[-1].strip():
        chinese.pop()
    while english and not english[-1].strip():
        english.pop()
    if len(chinese) != len(english):
        raise ValueError(f"RAM lists differ in length: {len(chinese)} Chinese vs {len(english)} English tags")
    return list(zip(chinese, english))


def clean_key(chinese: str) -> str:
    return _NOTE.sub("", chinese).split("/")[0].strip().lower()  # lookups lowercase latin letters too


def check_dropped(pairs: list[tuple[str, str]]) -> None:
    """A typo in DROPPED would silently keep the entry it meant to remove."""
    unknown = DROPPED - {clean_key(chinese) for chinese, _ in pairs}
    if unknown:
        raise ValueError(f"DROPPED names keys that are not in the RAM lists: {sorted(unknown)}")


def build(pairs: list[tuple[str, str]]) -> dict[str, str]:
    glossary: dict[str, str] = {}
    for chinese, english in pairs:
        key, value = clean_key(chinese), " ".join(english.split()).lower()
        if not key or not value or not _CJK.search(key) or key in DROPPED:
            continue
        glossary.setdefault(key, value)  # first RAM tag wins unless OVERRIDES decides
    glossary.update(OVERRIDES)
    return dict(sorted(glossary.items()))


def write(glossary: dict[str, str], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{key}\t{value}\n" for key, value in glossary.items()]
    out.write_text(HEADER + "".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ram-dir", type=Path, required=True, help="folder with the two RAM tag lists")
    parser.add_argument("--out", type=Path, required=True, help="TSV file to write")
    args = parser.parse_args(argv)
    pairs = read_ram_pairs(args.ram_dir)
    check_dropped(pairs)
    glossary = build(pairs)
    write(glossary, args.out)
    print(f"wrote {len(glossary)} entries to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
