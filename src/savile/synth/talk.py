"""What customers say to the bank, in English, Russian and Persian, with what it reveals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from savile.synth.behaviour import Behaviour
from savile.synth.population import Population
from savile.synth.timeline import Timeline

# (driver or None, sentiment) -> language -> texts
TEXTS: dict[tuple[str | None, str], dict[str, list[str]]] = {
    ("resilience", "negative"): {
        "en": ["I lost my job last month and I can't pay my loan this month.", "I've been made redundant and I'm behind on my bills, can I pause payments?",
               "Money is really tight since I lost my job, I'm struggling to pay the rent."],
        "ru": ["Я потерял работу и не могу платить по кредиту.", "Меня сократили, у меня долги по счетам, можно отсрочку?",
               "После потери работы денег не хватает, не могу оплатить аренду."],
        "fa": ["کارم را از دست دادم و نمی‌توانم قسط را پرداخت کنم.", "اخراج شدم و قبض‌هایم عقب افتاده، می‌توانم پرداخت را به تعویق بیندازم؟",
               "از وقتی بیکار شدم نمی‌توانم اجاره را بدهم."],
    },
    ("health", "negative"): {
        "en": ["I've just come out of hospital after an operation and can't get to the branch.", "I was diagnosed with cancer and need to sort out my accounts.",
               "I'm on long-term sick leave and finding it hard to manage."],
        "ru": ["Я только что вышел из больницы после операции и не могу прийти в отделение.", "Мне поставили диагноз рак, нужно разобраться со счетами."],
        "fa": ["تازه از بیمارستان مرخص شده‌ام و نمی‌توانم به شعبه بیایم.", "بیماری من تشخیص داده شده و باید حساب‌هایم را مرتب کنم."],
    },
    ("life_events", "negative"): {
        "en": ["My husband passed away last month and I need help with our joint account.", "We are going through a divorce and I need to separate our accounts."],
        "ru": ["Мой муж умер в прошлом месяце, мне нужна помощь с общим счётом.", "Мы разводимся, нужно разделить счета."],
        "fa": ["همسرم ماه گذشته فوت کرد و برای حساب مشترک کمک می‌خواهم.", "در حال طلاق هستیم و باید حساب‌ها را جدا کنیم."],
    },
    ("capability", "negative"): {
        "en": ["I don't understand the online banking, it's too confusing for me.", "My eyesight is poor and I can't read your letters, can someone explain?"],
        "ru": ["Я не понимаю онлайн-банк, для меня это слишком сложно.", "У меня плохое зрение, я не могу прочитать ваши письма."],
        "fa": ["بانکداری اینترنتی را نمی‌فهمم، برایم خیلی گیج‌کننده است.", "چشمم ضعیف است و نمی‌توانم نامه‌هایتان را بخوانم."],
    },
    (None, "negative"): {
        "en": ["This is the third time my card has been declined, terrible service.", "I waited 40 minutes on hold, very disappointed."],
        "ru": ["Уже третий раз мою карту отклоняют, ужасный сервис.", "Я ждал на линии 40 минут, очень разочарован."],
        "fa": ["سومین بار است که کارتم رد می‌شود، خدمات افتضاح است.", "چهل دقیقه پشت خط منتظر ماندم، خیلی ناراضی هستم."],
    },
    (None, "neutral"): {
        "en": ["Can you tell me when my statement will arrive?", "I would like to update my address.", "What is the interest rate on the saver account?"],
        "ru": ["Когда придёт выписка по счёту?", "Я хочу обновить свой адрес.", "Какая ставка по сберегательному счёту?"],
        "fa": ["صورت‌حساب من کی می‌رسد؟", "می‌خواهم آدرسم را به‌روز کنم.", "نرخ سود حساب پس‌انداز چقدر است؟"],
    },
    (None, "positive"): {
        "en": ["Thank you, the agent was really helpful and sorted it quickly.", "Great service today, thanks a lot!"],
        "ru": ["Спасибо, оператор очень помог и быстро всё решил.", "Отличное обслуживание, большое спасибо!"],
        "fa": ["ممنون، کارشناس خیلی کمک کرد و سریع حل شد.", "خدمات عالی بود، خیلی متشکرم!"],
    },
}
CHANNELS = ["contact_centre", "chat", "email", "branch"]


@dataclass
class Vulnerable:
    person: int
    driver: str
    month: int


def vulnerable_people(rng: np.random.Generator, people: Population, behaviour: Behaviour, months: int) -> list[Vulnerable]:
    """Who is vulnerable, why (FCA driver) and since when."""
    found = [Vulnerable(int(i), "resilience", int(behaviour.job_lost[i])) for i in np.flatnonzero(behaviour.job_lost < months)]
    taken = {v.person for v in found}
    for i in range(len(people)):
        if i in taken:
            continue
        roll = rng.random()
        capability_rate = 0.05 if people.age[i] >= 78 else 0.008
        for driver, rate in (("health", 0.02), ("life_events", 0.01), ("capability", capability_rate)):
            if roll < rate:
                found.append(Vulnerable(i, driver, int(rng.integers(months))))
                break
            roll -= rate
    return found


def communications(rng: np.random.Generator, people: Population, timeline: Timeline, vulnerable: list[Vulnerable],
                   where: dict[tuple[int, str], str], chunk: int) -> tuple[list[dict], list[dict]]:
    """Rows for communications.* and truth/sentiment.* (label, driver cue)."""
    said: list[tuple[int, int, str | None, str]] = []
    for v in vulnerable:
        if rng.random() < 0.8:  # most say something; some never tell the bank
            said.append((v.person, min(v.month + int(rng.integers(0, 2)), timeline.months - 1), v.driver, "negative"))
    for i in np.flatnonzero(rng.random(len(people)) < 0.22):
        sentiment = str(rng.choice(["neutral", "positive", "negative"], p=[0.6, 0.2, 0.2]))
        said.append((int(i), int(rng.integers(timeline.months)), None, sentiment))
    rows, truth = [], []
    for n, (i, month, driver, sentiment) in enumerate(said):
        language = people.language[i]
        texts = TEXTS[(driver, sentiment)][language]
        source = "contact_centre" if (i, "contact_centre") in where else "core_banking"
        when = timeline.start_at + timedelta(days=31 * month + int(rng.integers(28)), seconds=int(rng.integers(8 * 3600, 20 * 3600)))
        communication_id = f"M{chunk:05d}{n:07d}"
        rows.append({
            "communication_id": communication_id, "source": source, "source_customer_id": where[(i, source)],
            "occurred_at": min(when, timeline.end_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "channel": "complaint" if sentiment == "negative" and driver is None else str(rng.choice(CHANNELS)),
            "language": language, "text": texts[int(rng.integers(len(texts)))], "agent_id": f"A{rng.integers(1, 60):03d}",
            "outcome": str(rng.choice(["resolved", "unresolved", "escalated", "transferred"], p=[0.6, 0.2, 0.1, 0.1])),
        })
        truth.append({"communication_id": communication_id, "person_id": people.person_id[i], "sentiment": sentiment,
                      "vulnerability_driver": driver, "language": language})
    return rows, truth
