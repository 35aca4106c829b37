"""The catalogue a bank gets before it writes its own: one offer per product plus built-ins.

Built-ins cover what every bank must do whatever it sells: help customers in financial
difficulty (FCA Consumer Duty), keep contact details current, check in when activity falls,
and generic money advice that needs no profiling.
"""

from __future__ import annotations

from typing import Any

from savile.decide.actions import Action, Product
from savile.features.catalogue import product_slugs

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


def default_actions(products: dict[str, Product]) -> list[Action]:
    slugs = product_slugs(sorted(products))
    offers = [
        Action.model_validate({
            "id": f"offer_{slugs[code]}", "kind": "offer", "product_code": code, "description": f"Offer {product.name}",
            "content": OFFER_CONTENT, "placeholders": ["first_name", "product_name"],
        })
        for code, product in sorted(products.items()) if product.category != "service"
    ]
    return offers + [Action.model_validate(action) for action in BUILT_IN]
