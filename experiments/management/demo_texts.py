"""The demo company's words in each language of the installation (`settings.LANGUAGE_CODE`): people's
names, channels, hypotheses, the reasons leads give and the texts of reviews and questions.

Keys stay ASCII in every language (user names, channel slugs, utm_campaign values): they are what
the CRM, the API and the URLs use. `seed_demo` reads the texts of the installation's language.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoTexts:
    names: dict[str, str]  # username -> full name ("First Last")
    channels: dict[str, str]  # slug -> name
    titles: dict[str, str]  # utm_campaign -> experiment title
    hypothesis: str  # with {title} or {lower} (the title in lower case)
    disqualify_reasons: tuple[str, ...]
    churn_reasons: tuple[str, ...]  # "" is a customer who gave none
    review_confirmed: tuple[str, str]  # summary, why leads did not buy
    review_not_confirmed: tuple[str, str]
    cancel_reason: str
    question: str
    answer: str
    founder_question: str


ENGLISH = DemoTexts(
    names={
        "alice": "Alice Marketer",
        "bob": "Bob Marketer",
        "maria": "Maria Head of Marketing",
        "sergey": "Sergey Head of Sales",
        "fedor": "Fedor Founder",
        "admin": "Anna Admin",
    },
    channels={
        "partner-mailings": "Partner mailings",
        "paid-search": "Paid search",
        "events": "Events",
        "content-seo": "Content & SEO",
        "webinars": "Webinars",
        "referral": "Referral program",
    },
    titles={
        "partner_smb": "Partner mailings to SMB",
        "search_competitors": "Search ads on competitor brands",
        "expo_autumn": "Industry expo booth",
        "seo_cfo_guides": "Long-read guides for CFOs",
        "webinar_onboarding": "Webinar series: onboarding",
        "referral_x2": "Referral bonus doubled",
        "partner_cold_list": "Cold partner list from a reseller",
        "search_generic": "Paid search: generic keywords",
        "events_kazan": "Trade show in Kazan",
        "podcast_q4": "Podcast sponsorship",
        "retarget_lookalike": "Retargeting lookalikes",
        "partner_webinar": "Partner co-marketing webinar",
    },
    hypothesis="If we run “{lower}”, then we get qualified leads at a CPL below target.",
    disqualify_reasons=("no budget", "student", "wrong region", "competitor", "job seeker", "duplicate"),
    churn_reasons=("price", "missing integration", "switched to competitor", "closed business", ""),
    review_confirmed=(
        "Leads were on target and converted above plan; CPL stayed under the limit.",
        "A few leads wanted a monthly plan we do not offer yet.",
    ),
    review_not_confirmed=(
        "Visitors were mostly students and competitors; few real buyers.",
        "No budget this year; the booth attracted job seekers.",
    ),
    cancel_reason="The partner cancelled the joint mailing.",
    question="Where did this reseller list come from? Most leads are outside our segment.",
    answer="It was bought to test a new region; we will narrow it to companies over 20 people.",
    founder_question="Why are competitor keywords cheaper than generic ones this month?",
)

RUSSIAN = DemoTexts(
    names={
        "alice": "Алиса Маркетолог",
        "bob": "Борис Маркетолог",
        "maria": "Мария Руководитель маркетинга",
        "sergey": "Сергей Руководитель продаж",
        "fedor": "Фёдор Основатель",
        "admin": "Анна Администратор",
    },
    channels={
        "partner-mailings": "Рассылки партнёров",
        "paid-search": "Контекстная реклама",
        "events": "Мероприятия",
        "content-seo": "Контент и SEO",
        "webinars": "Вебинары",
        "referral": "Реферальная программа",
    },
    titles={
        "partner_smb": "Рассылки партнёров для малого бизнеса",
        "search_competitors": "Реклама по брендам конкурентов",
        "expo_autumn": "Стенд на отраслевой выставке",
        "seo_cfo_guides": "Лонгриды для финансовых директоров",
        "webinar_onboarding": "Серия вебинаров: онбординг",
        "referral_x2": "Двойной бонус за рекомендацию",
        "partner_cold_list": "Холодная база реселлера",
        "search_generic": "Контекстная реклама: общие запросы",
        "events_kazan": "Выставка в Казани",
        "podcast_q4": "Спонсорство подкаста",
        "retarget_lookalike": "Ретаргетинг на похожие аудитории",
        "partner_webinar": "Совместный вебинар с партнёром",
    },
    hypothesis="Если запустить «{title}», то получим квалифицированные лиды с CPL ниже целевого.",
    disqualify_reasons=("нет бюджета", "студент", "не наш регион", "конкурент", "ищет работу", "дубль"),
    churn_reasons=("цена", "нет нужной интеграции", "ушли к конкуренту", "закрыли бизнес", ""),
    review_confirmed=(
        "Лиды целевые, конверсия выше плана; CPL в пределах лимита.",
        "Часть лидов хотела помесячный тариф, которого у нас пока нет.",
    ),
    review_not_confirmed=(
        "К стенду подходили в основном студенты и конкуренты; настоящих покупателей мало.",
        "Нет бюджета в этом году; стенд привлекал соискателей.",
    ),
    cancel_reason="Партнёр отменил совместную рассылку.",
    question="Откуда эта база реселлера? Большинство лидов вне нашего сегмента.",
    answer="Её купили, чтобы проверить новый регион; сузим до компаний от 20 сотрудников.",
    founder_question="Почему реклама по брендам конкурентов в этом месяце дешевле, чем по общим запросам?",
)

TEXTS = {"en": ENGLISH, "ru": RUSSIAN}


def demo_texts(language_code: str) -> DemoTexts:
    """The texts for an installation's language ("ru", "ru-RU"); English for any other."""
    return TEXTS.get(language_code.split("-")[0].lower(), ENGLISH)
