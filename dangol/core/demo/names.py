"""Vocabularies for synthetic people and companies: names, regions, cities, phone codes.

Weights are rough shares (surnames from Korean census frequencies, regions from resident
population in millions) so that the demo looks like a Korean customer base at a glance.
"""

from __future__ import annotations

# (hangul, romanisation, weight in %)
KOREAN_SURNAMES: list[tuple[str, str, float]] = [
    ("김", "kim", 21.5), ("이", "lee", 14.7), ("박", "park", 8.4), ("최", "choi", 4.7),
    ("정", "jung", 4.3), ("강", "kang", 2.4), ("조", "cho", 2.1), ("윤", "yoon", 2.1),
    ("장", "jang", 2.0), ("임", "lim", 1.7), ("한", "han", 1.5), ("오", "oh", 1.5),
    ("서", "seo", 1.5), ("신", "shin", 1.4), ("권", "kwon", 1.4), ("황", "hwang", 1.4),
    ("안", "ahn", 1.3), ("송", "song", 1.3), ("류", "ryu", 1.2), ("전", "jeon", 1.1),
    ("홍", "hong", 1.1), ("고", "ko", 0.9), ("문", "moon", 0.9), ("양", "yang", 0.9),
    ("손", "son", 0.9), ("배", "bae", 0.8), ("백", "baek", 0.8), ("허", "heo", 0.6),
    ("유", "yu", 0.6), ("남", "nam", 0.5), ("심", "shim", 0.5), ("노", "noh", 0.4),
    ("하", "ha", 0.4), ("곽", "kwak", 0.4), ("성", "sung", 0.4), ("차", "cha", 0.4),
    ("주", "joo", 0.4), ("우", "woo", 0.4), ("구", "koo", 0.4), ("민", "min", 0.3),
    ("나", "na", 0.3), ("진", "jin", 0.3),
]  # fmt: skip

KOREAN_GIVEN_FEMALE: list[tuple[str, str]] = [
    ("서연", "seoyeon"), ("지우", "jiwoo"), ("서윤", "seoyun"), ("지민", "jimin"),
    ("수아", "sua"), ("하은", "haeun"), ("민서", "minseo"), ("지유", "jiyu"),
    ("윤서", "yunseo"), ("채원", "chaewon"), ("지아", "jia"), ("은서", "eunseo"),
    ("수빈", "subin"), ("예은", "yeeun"), ("다은", "daeun"), ("민지", "minji"),
    ("수진", "sujin"), ("지영", "jiyoung"), ("은정", "eunjung"), ("미경", "mikyung"),
    ("현주", "hyunjoo"), ("영희", "younghee"), ("정숙", "jungsook"), ("혜진", "hyejin"),
    ("유진", "yujin"), ("소연", "soyeon"), ("미영", "miyoung"), ("선영", "sunyoung"),
    ("경희", "kyunghee"), ("은영", "eunyoung"), ("나연", "nayeon"), ("하린", "harin"),
]  # fmt: skip

KOREAN_GIVEN_MALE: list[tuple[str, str]] = [
    ("민준", "minjun"), ("서준", "seojun"), ("도윤", "doyun"), ("예준", "yejun"),
    ("시우", "siwoo"), ("하준", "hajun"), ("주원", "juwon"), ("지호", "jiho"),
    ("지후", "jihoo"), ("준우", "junwoo"), ("현우", "hyunwoo"), ("준서", "junseo"),
    ("도현", "dohyun"), ("건우", "gunwoo"), ("우진", "woojin"), ("민재", "minjae"),
    ("성민", "sungmin"), ("영수", "youngsoo"), ("정호", "jungho"), ("상훈", "sanghoon"),
    ("동현", "donghyun"), ("재현", "jaehyun"), ("성호", "sungho"), ("영철", "youngchul"),
    ("진호", "jinho"), ("태형", "taehyung"), ("승민", "seungmin"), ("종민", "jongmin"),
    ("광수", "kwangsoo"), ("병철", "byungchul"), ("준혁", "junhyuk"), ("은우", "eunwoo"),
]  # fmt: skip

ENGLISH_GIVEN_FEMALE = [
    "Emma", "Olivia", "Sophia", "Grace", "Emily", "Hannah", "Chloe", "Sarah", "Laura",
    "Rachel", "Megan", "Julia", "Anna", "Claire", "Natalie", "Amy",
]  # fmt: skip
ENGLISH_GIVEN_MALE = [
    "James", "Daniel", "Michael", "David", "Thomas", "Andrew", "Ryan", "Matthew", "John",
    "Peter", "Mark", "Lucas", "Samuel", "Noah", "Brian", "Kevin",
]  # fmt: skip
ENGLISH_SURNAMES = [
    "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Thomas", "Clark",
    "Walker", "Wright", "Hall", "Green", "Baker", "Miller", "Moore", "Martin", "Lewis",
    "Young", "King", "Scott", "Turner", "Carter", "Mitchell",
]  # fmt: skip

COMPANY_PREFIXES_KO = [
    "한빛", "푸른", "새봄", "대한", "동해", "서울", "부산", "미래", "하나", "초록",
    "온누리", "금강", "백두", "태양", "은하", "소나무", "바른", "참", "우리", "한결",
    "늘봄", "다온", "가온", "해든", "청솔", "누리", "한마음", "새한",
]  # fmt: skip
COMPANY_TYPES_KO = [
    "식품", "유통", "베이커리", "카페", "제과", "마트", "푸드", "상사", "F&B", "급식",
    "디저트", "푸드서비스", "제빵", "물산",
]  # fmt: skip
COMPANY_PREFIXES_EN = [
    "Blue Harbor", "Golden Field", "Green Valley", "Morning Star", "Silver Birch",
    "North Bay", "Sunrise", "Maple Leaf", "Riverside", "Highland",
]  # fmt: skip
COMPANY_TYPES_EN = ["Foods", "Bakery", "Cafe", "Trading", "Catering", "Provisions", "Market"]

# Email domains under the reserved .example TLD: they look familiar but can never deliver.
EMAIL_DOMAINS: list[tuple[str, float]] = [
    ("naver.example", 38), ("gmail.example", 26), ("daum.example", 14),
    ("kakao.example", 10), ("hanmail.example", 6), ("nate.example", 6),
]  # fmt: skip

# region code -> (population in millions, landline area code, [(city, weight), ...])
REGIONS: dict[str, tuple[float, str, list[tuple[str, float]]]] = {
    "seoul": (9.4, "02", [
        ("Songpa-gu", 6.6), ("Gangseo-gu", 5.6), ("Gangnam-gu", 5.4), ("Nowon-gu", 5.0),
        ("Gwanak-gu", 4.9), ("Eunpyeong-gu", 4.6), ("Gangdong-gu", 4.6), ("Yangcheon-gu", 4.4),
        ("Seongbuk-gu", 4.3), ("Seocho-gu", 4.1), ("Guro-gu", 4.0), ("Yeongdeungpo-gu", 3.8),
        ("Mapo-gu", 3.7), ("Dongjak-gu", 3.8), ("Jongno-gu", 1.4), ("Jung-gu", 1.2),
        ("Yongsan-gu", 2.2),
    ]),
    "busan": (3.3, "051", [
        ("Haeundae-gu", 3.9), ("Busanjin-gu", 3.6), ("Dongnae-gu", 2.6), ("Saha-gu", 3.0),
        ("Nam-gu", 2.6), ("Buk-gu", 2.7), ("Suyeong-gu", 1.7), ("Gijang-gun", 1.8),
    ]),
    "daegu": (2.4, "053", [
        ("Dalseo-gu", 5.3), ("Suseong-gu", 4.1), ("Buk-gu", 4.2), ("Dong-gu", 3.4),
        ("Dalseong-gun", 2.6), ("Jung-gu", 0.8),
    ]),
    "incheon": (3.0, "032", [
        ("Bupyeong-gu", 4.8), ("Namdong-gu", 5.0), ("Seo-gu", 5.8), ("Yeonsu-gu", 3.9),
        ("Gyeyang-gu", 2.9), ("Michuhol-gu", 4.0),
    ]),
    "gwangju": (1.4, "062", [
        ("Buk-gu", 4.2), ("Gwangsan-gu", 4.0), ("Seo-gu", 2.9), ("Nam-gu", 2.1),
        ("Dong-gu", 1.0),
    ]),
    "daejeon": (1.45, "042", [
        ("Seo-gu", 4.7), ("Yuseong-gu", 3.6), ("Jung-gu", 2.3), ("Dong-gu", 2.2),
        ("Daedeok-gu", 1.7),
    ]),
    "ulsan": (1.1, "052", [
        ("Nam-gu", 3.1), ("Jung-gu", 2.1), ("Buk-gu", 2.2), ("Ulju-gun", 2.2), ("Dong-gu", 1.5),
    ]),
    "sejong": (0.39, "044", [("Sejong", 1.0)]),
    "gyeonggi": (13.6, "031", [
        ("Suwon", 12.0), ("Yongin", 10.7), ("Goyang", 10.7), ("Hwaseong", 9.3),
        ("Seongnam", 9.1), ("Bucheon", 7.9), ("Namyangju", 7.3), ("Ansan", 6.4),
        ("Pyeongtaek", 5.8), ("Anyang", 5.5), ("Siheung", 5.1), ("Paju", 4.9),
        ("Gimpo", 4.8), ("Uijeongbu", 4.6),
    ]),
    "gangwon": (1.53, "033", [
        ("Wonju", 3.6), ("Chuncheon", 2.9), ("Gangneung", 2.1), ("Donghae", 0.9),
        ("Sokcho", 0.8),
    ]),
    "chungbuk": (1.59, "043", [
        ("Cheongju", 8.5), ("Chungju", 2.1), ("Jecheon", 1.3), ("Eumseong", 0.9),
    ]),
    "chungnam": (2.13, "041", [
        ("Cheonan", 6.5), ("Asan", 3.3), ("Seosan", 1.8), ("Dangjin", 1.7), ("Gongju", 1.0),
        ("Nonsan", 1.1),
    ]),
    "jeonbuk": (1.75, "063", [
        ("Jeonju", 6.5), ("Iksan", 2.7), ("Gunsan", 2.6), ("Jeongeup", 1.1), ("Namwon", 0.8),
    ]),
    "jeonnam": (1.8, "061", [
        ("Suncheon", 2.8), ("Yeosu", 2.7), ("Mokpo", 2.2), ("Gwangyang", 1.5), ("Naju", 1.2),
    ]),
    "gyeongbuk": (2.55, "054", [
        ("Pohang", 5.0), ("Gumi", 4.1), ("Gyeongsan", 2.7), ("Gyeongju", 2.5), ("Andong", 1.6),
        ("Gimcheon", 1.4),
    ]),
    "gyeongnam": (3.25, "055", [
        ("Changwon", 10.2), ("Gimhae", 5.4), ("Yangsan", 3.5), ("Jinju", 3.5),
        ("Geoje", 2.4), ("Tongyeong", 1.2),
    ]),
    "jeju": (0.67, "064", [("Jeju-si", 4.9), ("Seogwipo", 1.8)]),
}  # fmt: skip

ABROAD_CITIES: list[tuple[str, float]] = [
    ("Los Angeles", 3), ("New York", 2), ("Tokyo", 2), ("Singapore", 1), ("Sydney", 1),
    ("London", 1), ("Vancouver", 1),
]  # fmt: skip

# Regions whose customers belong to the capital-area team; the rest go to the south team.
CAPITAL_AREA = frozenset(
    {"seoul", "incheon", "gyeonggi", "gangwon", "chungbuk", "chungnam", "daejeon", "sejong"}
)
