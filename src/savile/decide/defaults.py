"""The catalogue a bank gets before it writes its own: one offer per product plus built-ins.

Built-ins cover what every bank must do whatever it sells: help customers in financial
difficulty (FCA Consumer Duty), keep contact details current, check in when activity falls,
and generic money advice that needs no profiling.
"""

from __future__ import annotations

from typing import Any

from savile.decide.actions import Action, Product
from savile.features.catalogue import slugs

OFFER_CONTENT = {
    "en": {"subject": "{{ product_name }}: picked for you", "body": "Hello {{ first_name }}, we think our {{ product_name }} could suit you.",
           "cta": "Find out more"},
    "ru": {"subject": "{{ product_name }}: подобрано для вас", "body": "Здравствуйте, {{ first_name }}! Возможно, вам подойдёт {{ product_name }}.",
           "cta": "Подробнее"},
    "fa": {"subject": "{{ product_name }}: پیشنهادی برای شما", "body": "{{ first_name }} عزیز، فکر می‌کنیم {{ product_name }} برای شما مناسب باشد.",
           "cta": "بیشتر بدانید"},
}

BUILT_IN: list[dict[str, Any]] = [
    {
        "id": "support_money_worries", "kind": "support", "propensity": 1.0, "value": 0, "lever": 1.0,
        "description": "Free, confidential help for customers showing signs of financial difficulty",
        "eligibility": {"field": "flag.financial_difficulty", "eq": True},
        "content": {
            "en": {"subject": "We're here to help", "body": "Hello {{ first_name }}, if money is tight, talk to us. We can pause payments and plan with you.",
                   "cta": "Talk to us"},
            "ru": {"subject": "Мы готовы помочь", "body": "Здравствуйте, {{ first_name }}! Если сейчас трудно с деньгами, поговорите с нами: мы можем отсрочить платежи.",
                   "cta": "Связаться с нами"},
            "fa": {"subject": "ما کنار شما هستیم", "body": "{{ first_name }} عزیز، اگر از نظر مالی در تنگنا هستید با ما صحبت کنید؛ می‌توانیم پرداخت‌ها را متوقف کنیم.",
                   "cta": "با ما صحبت کنید"},
        },
        "placeholders": ["first_name"],
    },
    {
        "id": "service_update_contact_details", "kind": "service", "generic": True, "propensity": 0.2, "value": 5,
        "description": "Ask customers without an email or a phone on file to add one",
        "eligibility": {"any": [{"field": "customer.email", "exists": False}, {"field": "customer.phone", "exists": False}]},
        "content": {
            "en": {"subject": "Keep your details up to date", "body": "Add your email and mobile so we can reach you about your account.", "cta": "Update details"},
            "ru": {"subject": "Обновите контактные данные", "body": "Добавьте электронную почту и мобильный телефон, чтобы мы могли связаться с вами.",
                   "cta": "Обновить"},
            "fa": {"subject": "اطلاعات تماس خود را به‌روز کنید", "body": "ایمیل و شماره همراه خود را اضافه کنید تا بتوانیم درباره حسابتان با شما تماس بگیریم.",
                   "cta": "به‌روزرسانی"},
        },
    },
    {
        "id": "retention_check_in", "kind": "retention", "propensity": 0.05, "value": 60,
        "description": "Check in with customers whose activity is falling against their own baseline",
        "eligibility": {"field": "flag.transaction_decline", "eq": True},
        "content": {
            "en": {"subject": "How are we doing, {{ first_name }}?", "body": "We noticed you bank with us less. Tell us what we could do better.",
                   "cta": "Share feedback"},
            "ru": {"subject": "{{ first_name }}, как у нас дела?", "body": "Вы стали реже пользоваться счётом. Расскажите, что мы можем улучшить.",
                   "cta": "Оставить отзыв"},
            "fa": {"subject": "{{ first_name }}، نظر شما چیست؟", "body": "متوجه شدیم کمتر از حساب خود استفاده می‌کنید. بگویید چه چیزی را بهتر کنیم.",
                   "cta": "ارسال نظر"},
        },
        "placeholders": ["first_name"],
    },
    {
        "id": "advice_rainy_day_fund", "kind": "advice", "generic": True, "propensity": 0.03, "value": 10,
        "description": "Generic guidance on building an emergency fund; uses no behaviour",
        "content": {
            "en": {"subject": "Three months of bills, set aside", "body": "A small regular transfer builds a rainy-day fund faster than you think.",
                   "cta": "See how"},
            "ru": {"subject": "Запас на три месяца", "body": "Небольшие регулярные переводы быстро создают финансовую подушку.", "cta": "Узнать как"},
            "fa": {"subject": "پس‌انداز سه ماه هزینه", "body": "واریزهای کوچک و منظم زودتر از آنچه فکر می‌کنید یک اندوخته اضطراری می‌سازند.",
                   "cta": "ببینید چگونه"},
        },
    },
]


# Actions that real-time triggers ask for; the trigger's name in the request's context keeps
# them out of ordinary decisions.
TRIGGERED: list[dict[str, Any]] = [
    {
        "id": "service_nearest_atm", "kind": "service", "propensity": 0.3, "value": 1, "channels": ["push", "in_app", "mobile_app", "sms"],
        "description": "Point a customer to the ATM or branch they are near (location consent needed)",
        "eligibility": {"field": "context.trigger", "eq": "location_near"},
        "content": {
            "en": {"subject": "Cash nearby", "body": "{{ location_name }} is {{ distance }} away.", "cta": "Show on map"},
            "ru": {"subject": "Банкомат рядом", "body": "До {{ location_name }}: {{ distance }}.", "cta": "Показать на карте"},
            "fa": {"subject": "خودپرداز نزدیک شما", "body": "{{ location_name }} در فاصله {{ distance }} از شماست.", "cta": "نمایش روی نقشه"},
        },
        "placeholders": ["location_name", "distance"],
    },
    {
        "id": "advice_finish_application", "kind": "advice", "propensity": 0.25, "value": 20,
        "description": "Remind a customer of an application they started and did not submit",
        "eligibility": {"field": "context.trigger", "eq": "application_unfinished"},
        "content": {
            "en": {"subject": "Your {{ product_name }} application is waiting", "body": "Hello {{ first_name }}, you can pick up the application you started on {{ event_date }} where you left it.",
                   "cta": "Continue"},
            "ru": {"subject": "Ваша заявка на {{ product_name }} ждёт вас", "body": "Здравствуйте, {{ first_name }}! Продолжите заявку, начатую {{ event_date }}, с того места, где остановились.",
                   "cta": "Продолжить"},
            "fa": {"subject": "درخواست {{ product_name }} شما منتظر است", "body": "{{ first_name }} عزیز، می‌توانید درخواستی را که {{ event_date }} آغاز کردید از همان‌جا که ماند ادامه دهید.",
                   "cta": "ادامه"},
        },
        "placeholders": ["first_name", "product_name", "event_date"],
    },
    {
        "id": "service_page_help", "kind": "service", "propensity": 0.3, "value": 2, "channels": ["in_app", "mobile_app", "web", "chat"],
        "description": "Offer help to a customer stuck on a page or shown an error",
        "eligibility": {"field": "context.trigger", "eq": "page_trouble"},
        "content": {
            "en": {"subject": "Need a hand?", "body": "Having trouble with {{ page }}? Chat with us and we'll sort it out.", "cta": "Chat now"},
            "ru": {"subject": "Нужна помощь?", "body": "Возникли сложности с разделом «{{ page }}»? Напишите нам в чат.", "cta": "Открыть чат"},
            "fa": {"subject": "کمک لازم دارید؟", "body": "در بخش «{{ page }}» به مشکل خورده‌اید؟ در گفتگو به شما کمک می‌کنیم.", "cta": "گفتگو"},
        },
        "placeholders": ["page"],
    },
    {
        "id": "advice_money_to_work", "kind": "advice", "propensity": 0.08, "value": 40,
        "description": "After a large deposit or a pay rise, suggest putting money aside",
        "eligibility": {"field": "context.trigger", "eq": "money_in"},
        "content": {
            "en": {"subject": "{{ amount }} just arrived", "body": "Hello {{ first_name }}, money you won't need soon can earn more in savings.",
                   "cta": "Compare savings"},
            "ru": {"subject": "Поступило {{ amount }}", "body": "Здравствуйте, {{ first_name }}! Деньги, которые не нужны сейчас, могут приносить доход.",
                   "cta": "Сравнить вклады"},
            "fa": {"subject": "{{ amount }} واریز شد", "body": "{{ first_name }} عزیز، پولی که فعلاً لازم ندارید می‌تواند در حساب پس‌انداز سود بگیرد.",
                   "cta": "مقایسه حساب‌ها"},
        },
        "placeholders": ["first_name", "amount"],
    },
]


def default_actions(products: dict[str, Product]) -> list[Action]:
    slug_of = slugs(sorted(products))
    offers = [
        Action.model_validate({
            "id": f"offer_{slug_of[code]}", "kind": "offer", "product_code": code, "description": f"Offer {product.name}",
            "content": OFFER_CONTENT, "placeholders": ["first_name", "product_name"],
        })
        for code, product in sorted(products.items()) if product.category != "service"
    ]
    return offers + [Action.model_validate(action) for action in BUILT_IN + TRIGGERED]
