"""Name pools for the synthetic bank: Latin spellings, native scripts and nicknames.

Synth-only data. Identity resolution must never read these lists (it uses maintained
nickname and transliteration libraries); they exist to make realistic noise.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Name:
    latin: tuple[str, ...]  # accepted Latin spellings, the first is the usual one
    native: str  # the spelling in the culture's own script ("" for English)
    nicknames: tuple[str, ...] = ()


def _n(latin: str, native: str = "", nick: str = "") -> Name:
    return Name(tuple(latin.split("|")), native, tuple(filter(None, nick.split("|"))))


ENGLISH_MALE = [
    _n("William", nick="Bill|Will|Billy"), _n("Robert", nick="Bob|Rob|Bobby"), _n("James", nick="Jim|Jimmy|Jamie"),
    _n("John", nick="Jack|Johnny"), _n("Richard", nick="Rick|Dick|Richie"), _n("Thomas", nick="Tom|Tommy"),
    _n("Michael", nick="Mike|Mick"), _n("David", nick="Dave|Davy"), _n("Christopher", nick="Chris|Kit"),
    _n("Daniel", nick="Dan|Danny"), _n("Matthew", nick="Matt"), _n("Anthony", nick="Tony"),
    _n("Andrew", nick="Andy|Drew"), _n("Joseph", nick="Joe|Joey"), _n("Edward", nick="Ed|Ted|Eddie"),
    _n("Peter", nick="Pete"), _n("Stephen|Steven", nick="Steve"), _n("Benjamin", nick="Ben"),
    _n("Samuel", nick="Sam"), _n("Oliver", nick="Ollie"), _n("George"), _n("Harry"), _n("Jacob", nick="Jake"),
    _n("Charles", nick="Charlie|Chuck"), _n("Henry", nick="Hank|Harry"), _n("Alexander", nick="Alex|Sandy"),
]
ENGLISH_FEMALE = [
    _n("Elizabeth", nick="Liz|Beth|Betty|Lizzie"), _n("Margaret", nick="Maggie|Peggy|Meg"), _n("Katherine|Catherine", nick="Kate|Katie|Cathy"),
    _n("Jennifer", nick="Jen|Jenny"), _n("Patricia", nick="Pat|Patty|Trish"), _n("Susan", nick="Sue|Susie"),
    _n("Deborah", nick="Debbie|Deb"), _n("Rebecca", nick="Becky|Becca"), _n("Victoria", nick="Vicky|Tori"),
    _n("Alexandra", nick="Alex|Sasha"), _n("Emily", nick="Em"), _n("Charlotte", nick="Lottie|Charlie"),
    _n("Olivia", nick="Liv"), _n("Amelia", nick="Millie"), _n("Jessica", nick="Jess"), _n("Samantha", nick="Sam"),
    _n("Sarah|Sara"), _n("Emma"), _n("Sophie|Sophia"), _n("Hannah"), _n("Lucy"), _n("Grace"), _n("Chloe"),
    _n("Abigail", nick="Abby"), _n("Eleanor", nick="Ellie|Nell"), _n("Jane"),
]
ENGLISH_SURNAMES = [
    _n(s) for s in (
        "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker White "
        "Roberts Green Hall Wood Jackson Clarke Harris Lewis Martin Cooper King Baker Turner Hill Moore Ward "
        "Edwards Hughes Lee Allen Scott Young Morris Mitchell Carter Phillips Bennett Shaw Cook Bailey Parker"
    ).split()
]

RUSSIAN_MALE = [
    _n("Aleksandr|Alexander|Aleksander|Alexandr", "Александр", "Sasha|Sanya|Саша"),
    _n("Dmitry|Dmitri|Dmitriy", "Дмитрий", "Dima|Дима"), _n("Sergey|Sergei", "Сергей", "Seryozha|Серёжа"),
    _n("Mikhail|Mikhael", "Михаил", "Misha|Миша"), _n("Ivan", "Иван", "Vanya|Ваня"),
    _n("Andrey|Andrei", "Андрей", "Andryusha|Андрюша"), _n("Alexey|Aleksei|Aleksey", "Алексей", "Lyosha|Alyosha|Лёша"),
    _n("Nikolay|Nikolai", "Николай", "Kolya|Коля"), _n("Vladimir", "Владимир", "Volodya|Vova|Вова"),
    _n("Yury|Yuri|Iurii", "Юрий", "Yura|Юра"), _n("Pavel", "Павел", "Pasha|Паша"), _n("Maxim|Maksim", "Максим", "Max|Макс"),
    _n("Evgeny|Yevgeny|Evgeniy", "Евгений", "Zhenya|Женя"), _n("Konstantin", "Константин", "Kostya|Костя"),
    _n("Oleg", "Олег"), _n("Igor", "Игорь"), _n("Artem|Artyom", "Артём", "Tyoma"), _n("Roman", "Роман", "Roma|Рома"),
]
RUSSIAN_FEMALE = [
    _n("Ekaterina|Yekaterina|Ekaterina", "Екатерина", "Katya|Катя"), _n("Natalia|Natalya|Nataliya", "Наталья", "Natasha|Наташа"),
    _n("Tatiana|Tatyana|Tatjana", "Татьяна", "Tanya|Таня"), _n("Elena|Yelena|Jelena", "Елена", "Lena|Лена"),
    _n("Olga", "Ольга", "Olya|Оля"), _n("Anastasia|Anastasiya", "Анастасия", "Nastya|Настя"),
    _n("Maria|Mariya", "Мария", "Masha|Маша"), _n("Svetlana", "Светлана", "Sveta|Света"),
    _n("Irina", "Ирина", "Ira|Ира"), _n("Yulia|Yuliya|Julia", "Юлия", "Yulya|Юля"), _n("Anna", "Анна", "Anya|Аня"),
    _n("Daria|Darya", "Дарья", "Dasha|Даша"), _n("Ksenia|Kseniya|Xenia", "Ксения", "Ksyusha|Ксюша"),
    _n("Lyudmila|Ludmila", "Людмила", "Lyuda|Люда"), _n("Galina", "Галина", "Galya|Галя"), _n("Polina", "Полина", "Polya"),
]
RUSSIAN_SURNAMES = [  # (male, female) in Latin variants and Cyrillic
    (_n(m, mc), _n(f, fc)) for m, mc, f, fc in (
        ("Petrov", "Петров", "Petrova", "Петрова"), ("Ivanov", "Иванов", "Ivanova", "Иванова"),
        ("Smirnov", "Смирнов", "Smirnova", "Смирнова"), ("Kuznetsov|Kuznetzov", "Кузнецов", "Kuznetsova", "Кузнецова"),
        ("Popov", "Попов", "Popova", "Попова"), ("Volkov", "Волков", "Volkova", "Волкова"),
        ("Sokolov", "Соколов", "Sokolova", "Соколова"), ("Lebedev", "Лебедев", "Lebedeva", "Лебедева"),
        ("Kozlov", "Козлов", "Kozlova", "Козлова"), ("Novikov", "Новиков", "Novikova", "Новикова"),
        ("Morozov", "Морозов", "Morozova", "Морозова"), ("Fedorov|Fyodorov", "Фёдоров", "Fedorova|Fyodorova", "Фёдорова"),
        ("Mikhailov|Mikhaylov", "Михайлов", "Mikhailova|Mikhaylova", "Михайлова"), ("Orlov", "Орлов", "Orlova", "Орлова"),
        ("Zaitsev|Zaytsev", "Зайцев", "Zaitseva|Zaytseva", "Зайцева"), ("Pavlov", "Павлов", "Pavlova", "Павлова"),
        ("Semenov|Semyonov", "Семёнов", "Semenova|Semyonova", "Семёнова"), ("Egorov|Yegorov", "Егоров", "Egorova|Yegorova", "Егорова"),
    )
]

PERSIAN_MALE = [
    _n("Mohammad|Muhammad|Mohammed|Mohamad", "محمد"), _n("Ali", "علی"), _n("Hossein|Hosein|Hussein", "حسین"),
    _n("Reza", "رضا"), _n("Mehdi|Mahdi", "مهدی"), _n("Amir", "امیر"), _n("Hassan|Hasan", "حسن"),
    _n("Mohsen", "محسن"), _n("Saeed|Said|Saeid", "سعید"), _n("Hamid", "حمید"), _n("Javad", "جواد"),
    _n("Majid", "مجید"), _n("Morteza", "مرتضی"), _n("Abbas", "عباس"), _n("Dariush|Daryoush", "داریوش"),
    _n("Farhad", "فرهاد"), _n("Kaveh", "کاوه"), _n("Babak", "بابک"),
]
PERSIAN_FEMALE = [
    _n("Fatemeh|Fatima|Fatemah", "فاطمه"), _n("Maryam|Mariam", "مریم"), _n("Zahra", "زهرا"), _n("Sara|Sarah", "سارا"),
    _n("Narges", "نرگس"), _n("Leila|Leyla|Layla", "لیلا"), _n("Masoumeh|Masoume", "معصومه"), _n("Zeinab|Zeynab", "زینب"),
    _n("Maryam|Maryam", "مریم"), _n("Shirin", "شیرین"), _n("Parisa", "پریسا"), _n("Niloufar|Niloofar", "نیلوفر"),
    _n("Mahsa", "مهسا"), _n("Azadeh|Azade", "آزاده"), _n("Roya", "رویا"), _n("Golnaz", "گلناز"),
]
PERSIAN_SURNAMES = [
    _n(latin, native) for latin, native in (
        ("Hosseini|Hoseini|Husseini", "حسینی"), ("Ahmadi", "احمدی"), ("Mohammadi|Muhammadi", "محمدی"),
        ("Rezaei|Rezaee|Rezaie", "رضایی"), ("Karimi", "کریمی"), ("Moradi", "مرادی"), ("Jafari|Jafary", "جعفری"),
        ("Rahimi", "رحیمی"), ("Kazemi", "کاظمی"), ("Hashemi", "هاشمی"), ("Ebrahimi|Ibrahimi", "ابراهیمی"),
        ("Ghasemi|Qasemi", "قاسمی"), ("Sadeghi|Sadeqi", "صادقی"), ("Mousavi|Musavi", "موسوی"), ("Tehrani", "تهرانی"),
        ("Najafi", "نجفی"), ("Rostami", "رستمی"), ("Akbari", "اکبری"), ("Nazari", "نظری"), ("Amini", "امینی"),
    )
]

STREETS = [
    ("Mill Lane", "Mill Ln"), ("Station Road", "Station Rd"), ("High Street", "High St"), ("Church Road", "Church Rd"),
    ("Park Avenue", "Park Ave"), ("Victoria Road", "Victoria Rd"), ("Green Lane", "Green Ln"), ("Manor Road", "Manor Rd"),
    ("Kings Road", "Kings Rd"), ("Queens Road", "Queens Rd"), ("New Street", "New St"), ("Grange Road", "Grange Rd"),
    ("The Crescent", "The Cres"), ("Oak Drive", "Oak Dr"), ("Windsor Road", "Windsor Rd"), ("York Street", "York St"),
    ("Albert Road", "Albert Rd"), ("Springfield Road", "Springfield Rd"), ("Highfield Road", "Highfield Rd"),
    ("Beech Grove", "Beech Gr"), ("Chestnut Close", "Chestnut Cl"), ("Elm Court", "Elm Ct"), ("Castle Street", "Castle St"),
    ("London Road", "London Rd"), ("North Street", "North St"), ("West Street", "West St"), ("Cedar Avenue", "Cedar Ave"),
]
# city, postcode area, latitude, longitude, weight
CITIES = [
    ("London", "E", 51.5074, -0.1278, 30), ("Birmingham", "B", 52.4862, -1.8904, 9), ("Manchester", "M", 53.4808, -2.2426, 9),
    ("Leeds", "LS", 53.8008, -1.5491, 7), ("Glasgow", "G", 55.8642, -4.2518, 6), ("Liverpool", "L", 53.4084, -2.9916, 6),
    ("Bristol", "BS", 51.4545, -2.5879, 5), ("Sheffield", "S", 53.3811, -1.4701, 5), ("Edinburgh", "EH", 55.9533, -3.1883, 5),
    ("Leicester", "LE", 52.6369, -1.1398, 4), ("Cardiff", "CF", 51.4816, -3.1791, 4), ("Nottingham", "NG", 52.9548, -1.1581, 4),
    ("Newcastle upon Tyne", "NE", 54.9783, -1.6178, 3), ("Southampton", "SO", 50.9097, -1.4044, 3), ("Reading", "RG", 51.4543, -0.9781, 3),
]
ABROAD = [("FR", 48.8566, 2.3522), ("ES", 41.3874, 2.1686), ("TR", 41.0082, 28.9784), ("AE", 25.2048, 55.2708),
          ("IT", 41.9028, 12.4964), ("PT", 38.7223, -9.1393), ("GR", 37.9838, 23.7275), ("US", 40.7128, -74.0060)]
EMAIL_DOMAINS = ["gmail.com", "outlook.com", "yahoo.co.uk", "hotmail.co.uk", "icloud.com", "btinternet.com", "mail.ru", "yandex.ru"]
