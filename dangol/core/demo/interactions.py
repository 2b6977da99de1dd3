"""Interactions on every channel, in the customer's language, some about an order."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dangol.core.demo.orders import OrderChunk
from dangol.core.demo.people import LEAD, PROSPECT, CustomerChunk, Staff
from dangol.core.demo.spec import SECONDS_PER_DAY, STREAM_INTERACTIONS, DemoSpec

CHANNELS = np.array(["email", "chat", "phone", "fax", "web", "sms", "store_visit", "field_visit"])
# Channel shares for people and for companies (order as CHANNELS).
CHANNEL_WEIGHT = np.array(
    [[24, 12, 20, 0.5, 14, 16, 12, 1.5], [26, 4, 26, 10, 4, 4, 2, 24]], dtype=float
)
INBOUND_SHARE = {
    "email": 0.5, "chat": 0.95, "phone": 0.55, "fax": 0.7, "web": 1.0, "sms": 0.1,
    "store_visit": 1.0, "field_visit": 0.0,
}  # fmt: skip

# (subject ko, subject en, body ko, body en, outcome) per channel and direction.
TEMPLATES: dict[tuple[str, str], list[tuple[str, str, str, str, str]]] = {
    ("email", "inbound"): [
        ("제품 성분 문의", "Question about ingredients",
         "유기농 제품의 원유 산지와 성분을 알고 싶습니다.",
         "I would like to know where the milk in your organic range comes from.", "answered"),
        ("대량 구매 견적 요청", "Request for a bulk quote",
         "다음 달 행사용으로 대량 구매 견적을 부탁드립니다.",
         "Please send a quote for a bulk order for next month's event.", "quote sent"),
    ],
    ("email", "outbound"): [
        ("신제품 안내", "New products this season",
         "이번 시즌 새로 출시된 그릭 요거트를 소개합니다.",
         "Introducing this season's new Greek yogurt range.", "sent"),
        ("정기 배송 안내", "About your regular delivery",
         "정기 배송 일정이 변경되어 안내드립니다.",
         "Your regular delivery schedule has changed.", "sent"),
    ],
    ("chat", "inbound"): [
        ("배송 시간 문의", "Delivery time", "오늘 주문하면 언제 도착하나요?",
         "If I order today, when will it arrive?", "answered"),
        ("회원 혜택 문의", "Member benefits", "멤버십 포인트는 어떻게 사용하나요?",
         "How do I use my membership points?", "answered"),
    ],
    ("chat", "outbound"): [
        ("상담 후속 안내", "Follow-up", "문의하신 내용에 대해 추가로 안내드립니다.",
         "Following up on your question.", "answered"),
    ],
    ("phone", "inbound"): [
        ("유통기한 문의", "Best-before date", "구입한 우유의 유통기한을 확인하고 싶습니다.",
         "Wants to check the best-before date of milk bought.", "resolved"),
        ("불만 접수", "Complaint", "배송된 제품의 포장이 파손되었습니다.",
         "The packaging of the delivered product was damaged.", "replacement sent"),
    ],
    ("phone", "outbound"): [
        ("재구매 안내 전화", "Reorder call", "정기 구매 주기에 맞춰 재주문 여부를 확인했습니다.",
         "Called to check whether they want to reorder.", "reordered"),
        ("만족도 조사", "Satisfaction survey", "최근 구매에 대한 만족도를 여쭈었습니다.",
         "Asked about satisfaction with a recent purchase.", "completed"),
    ],
    ("fax", "inbound"): [
        ("발주서 수신", "Purchase order received", "월간 발주서를 팩스로 받았습니다.",
         "Monthly purchase order received by fax.", "entered"),
    ],
    ("fax", "outbound"): [
        ("거래명세서 발송", "Statement sent", "이번 달 거래명세서를 팩스로 보냈습니다.",
         "Sent this month's statement by fax.", "sent"),
    ],
    ("web", "inbound"): [
        ("웹 문의 양식", "Web enquiry form", "홈페이지 문의 양식으로 제품 정보를 요청했습니다.",
         "Asked for product information through the website form.", "answered"),
        ("회원 가입", "Website sign-up", "홈페이지에서 회원으로 가입했습니다.",
         "Signed up as a member on the website.", "registered"),
    ],
    ("sms", "inbound"): [
        ("문자 회신", "SMS reply", "행사 문자에 회신했습니다.",
         "Replied to a promotion text.", "noted"),
    ],
    ("sms", "outbound"): [
        ("할인 쿠폰 발송", "Discount coupon", "이번 주 유제품 10% 할인 쿠폰을 보냈습니다.",
         "Sent a 10% dairy discount coupon for this week.", "sent"),
        ("배송 완료 알림", "Delivery notice", "주문하신 상품이 배송 완료되었습니다.",
         "Your order has been delivered.", "sent"),
    ],
    ("store_visit", "inbound"): [
        ("매장 방문 시식", "In-store tasting", "매장 시식 행사에 참여했습니다.",
         "Took part in an in-store tasting.", "interested"),
        ("매장 방문 상담", "Store visit", "매장에서 분유 제품을 상담받았습니다.",
         "Asked about infant formula in the store.", "advised"),
    ],
    ("field_visit", "outbound"): [
        ("거래처 방문", "Account visit", "거래처를 방문해 다음 분기 공급 계획을 논의했습니다.",
         "Visited the account to discuss next quarter's supply plan.", "plan agreed"),
        ("신규 거래 제안", "New business pitch", "업소용 제품 라인을 소개하고 샘플을 전달했습니다.",
         "Presented the foodservice range and left samples.", "samples left"),
    ],
}  # fmt: skip
ORDER_TEMPLATES = [
    ("주문 {n} 배송 문의", "Delivery of order {n}", "주문 {n}의 배송 일정을 문의했습니다.",
     "Asked when order {n} will be delivered.", "answered"),
    ("주문 {n} 변경 요청", "Change to order {n}", "주문 {n}의 수량 변경을 요청했습니다.",
     "Asked to change quantities on order {n}.", "changed"),
    ("주문 {n} 반품 문의", "Return of order {n}", "주문 {n}의 일부 상품 반품을 문의했습니다.",
     "Asked about returning part of order {n}.", "return arranged"),
]  # fmt: skip
ORDER_CHANNELS = np.array(["phone", "chat", "email"])


@dataclass
class InteractionChunk:
    customer_id: np.ndarray
    channel: list[str]
    direction: list[str]
    subject: list[str]
    body: list[str]
    occurred_at: np.ndarray
    user_id: np.ndarray  # 0 = none
    outcome: list[str]
    subject_id: np.ndarray  # order id, 0 = none


def interactions_generate(
    spec: DemoSpec, customers: CustomerChunk, orders: OrderChunk, staff: Staff, *, chunk: int
) -> InteractionChunk:
    """Return a chunk's interactions: a few per customer plus questions about some orders."""
    rng = spec.rng(STREAM_INTERACTIONS, chunk)
    n_cust = len(customers.ids)
    base = np.where(np.isin(customers.status, (LEAD, PROSPECT)), 1.5, 2.0)
    base = base + np.where(customers.is_company, 2.5, 0.0)
    per = rng.poisson(base)
    cust = np.repeat(np.arange(n_cust), per)
    n = len(cust)
    kind = customers.is_company[cust].astype(int)
    cum = np.cumsum(CHANNEL_WEIGHT / CHANNEL_WEIGHT.sum(1)[:, None], axis=1)
    channel = np.minimum((cum[kind] < rng.random(n)[:, None]).sum(1), len(CHANNELS) - 1)
    channel_name = CHANNELS[channel]
    inbound_p = np.array([INBOUND_SHARE[c] for c in CHANNELS])[channel]
    inbound = rng.random(n) < inbound_p
    acq = customers.acq_day[cust]
    day = acq + (rng.random(n) * (spec.days - acq)).astype(np.int64)
    ts = spec.start_epoch + day * SECONDS_PER_DAY + rng.integers(9 * 3600, 19 * 3600, size=n)
    ts = np.maximum(ts, customers.created_at[cust] + 60)
    pick = rng.random(n)

    # About 6% of orders get a question from the customer a little after ordering.
    about = np.flatnonzero(rng.random(len(orders.ids)) < 0.06)
    o_cust = orders.customer_index[about]
    o_ts = np.minimum(
        orders.ordered_at[about] + rng.integers(3600, 5 * SECONDS_PER_DAY, size=len(about)),
        spec.end_epoch,
    )
    o_channel = ORDER_CHANNELS[rng.integers(0, len(ORDER_CHANNELS), size=len(about))]
    o_pick = rng.integers(0, len(ORDER_TEMPLATES), size=len(about))

    service = np.array(staff.service or [0])
    owner = customers.owner_id
    staff_pick = service[rng.integers(0, len(service), size=n + len(about))]

    channels, directions, subjects, bodies, outcomes = [], [], [], [], []
    english = customers.english
    for i in range(n):
        c = channel_name[i]
        direction = "inbound" if inbound[i] else "outbound"
        options = (
            TEMPLATES.get((c, direction))
            or TEMPLATES[(c, "outbound" if direction == "inbound" else "inbound")]
        )
        if (c, direction) not in TEMPLATES:
            direction = "outbound" if direction == "inbound" else "inbound"
        s_ko, s_en, b_ko, b_en, outcome = options[int(pick[i] * len(options))]
        en = english[cust[i]]
        channels.append(c)
        directions.append(direction)
        subjects.append(s_en if en else s_ko)
        bodies.append(b_en if en else b_ko)
        outcomes.append(outcome)
    for j in range(len(about)):
        s_ko, s_en, b_ko, b_en, outcome = ORDER_TEMPLATES[o_pick[j]]
        number = orders.number[about[j]]
        en = english[o_cust[j]]
        channels.append(str(o_channel[j]))
        directions.append("inbound")
        subjects.append((s_en if en else s_ko).format(n=number))
        bodies.append((b_en if en else b_ko).format(n=number))
        outcomes.append(outcome)

    all_cust = np.concatenate([cust, o_cust])
    # Sales reps handle their own accounts' visits and calls; service handles the rest.
    user = np.where(
        np.isin(np.concatenate([channel_name, o_channel]), ("field_visit", "phone", "fax"))
        & (owner[all_cust] > 0),
        owner[all_cust],
        staff_pick,
    )
    return InteractionChunk(
        customer_id=customers.ids[all_cust],
        channel=channels,
        direction=directions,
        subject=subjects,
        body=bodies,
        occurred_at=np.concatenate([ts, o_ts]),
        user_id=user,
        outcome=outcomes,
        subject_id=np.concatenate([np.zeros(n, dtype=np.int64), orders.ids[about]]),
    )
