"""Numbers in news shorthand, said the way a newsreader says them.

NeMo reads a number written plainly ("5 kg", "$7 billion", "March 3") well, but news copy is
terse: "the 100m final" is metres and "1.8m barrels" is million; "a $7bn loan" is a "seven
billion dollar loan"; "60-65%" is a range, "won 3-1" a score, "a 5-4 ruling" a vote and
"312-4" a cricket total; "11/4" is odds in a sentence about betting and "3/4 of voters" a
fraction in any; "-40C" keeps its minus; "0800 555 111" is said digit by digit.
The rules in `BEFORE_TN` (applied in order, before NeMo) either rewrite such shorthand into
the plain form NeMo reads right, or spell the words out where NeMo cannot know the reading.
Each rule has a line saying why it exists. Every pattern is compiled once, at import.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Rule = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]

# --- number words ------------------------------------------------------------------------------

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_GROUPS = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_ORDINAL_ENDS = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
    "nine": "ninth", "twelve": "twelfth",
}  # fmt: skip


def _below_thousand(value: int, *, with_and: bool = True) -> str:
    hundreds, rest = divmod(value, 100)
    words = [f"{_ONES[hundreds]} hundred"] if hundreds else []
    if rest:
        if hundreds and with_and:
            words.append("and")
        tens, ones = divmod(rest, 10)
        words.append(_ONES[rest] if rest < 20 else _TENS[tens] + (f" {_ONES[ones]}" if ones else ""))
    return " ".join(words)


def integer_words(value: int) -> str:
    """ "312" is "three hundred and twelve", "250,312" "two hundred fifty thousand three hundred
    and twelve": as NeMo says them, "and" only in the last three digits."""
    if value == 0:
        return "zero"
    words = []
    for size, name in _GROUPS:
        count, value = divmod(value, size)
        if count:
            words.append(f"{_higher(count)} {name}")
    if value:
        if words and value < 100:
            words.append("and")
        words.append(_below_thousand(value))
    return " ".join(words)


def _higher(count: int) -> str:
    """A count of thousands, millions...: no "and" ("two hundred fifty thousand")."""
    if count >= 1000 or count == 0:
        return integer_words(count)
    return _below_thousand(count, with_and=False)


def cardinal(number: str, *, scaled: bool = False) -> str:
    """Digits as words: "1,000" is "one thousand", "1.5" is "one point five". A number before
    a scale word (SCALED: "550 million") has no "and", as NeMo says it."""
    whole, _, decimals = number.replace(",", "").partition(".")
    words = _higher(int(whole or "0")) if scaled else integer_words(int(whole or "0"))
    if decimals:
        words += " point " + " ".join(_ONES[int(digit)] for digit in decimals)
    return words


def ordinal(number: str) -> str:
    """ "5" is "fifth", "23" is "twenty third"."""
    words = integer_words(int(number)).split()
    last = words[-1]
    if last in _ORDINAL_ENDS:
        words[-1] = _ORDINAL_ENDS[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


_HUNDRED = re.compile(r"0?[1-9]00")


def digits(number: str, *, first: bool = False) -> str:
    """A phone number's group, digit by digit ("0" is "oh"); a FIRST group "800" or "0300" is
    "eight hundred", "oh three hundred", as freephone prefixes are said."""
    if first and _HUNDRED.fullmatch(number):
        return ("oh " if number.startswith("0") else "") + f"{_ONES[int(number.lstrip('0')[0])]} hundred"
    return " ".join("oh" if digit == "0" else _ONES[int(digit)] for digit in number)


def plural(words: str) -> str:
    """ "fifty" is "fifties", "twenty one" is "twenty ones", "six" is "sixes"."""
    if words.endswith("y"):
        return words[:-1] + "ies"
    return words + ("es" if words.endswith(("x", "s")) else "s")


# --- context -----------------------------------------------------------------------------------

NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
"""A number as news copy writes it: "1,000", "2.5", "2025"."""
_WORD = re.compile(r"[\w'’]+")
_WORD_AFTER = re.compile(r"[\s-]*([A-Za-z][\w'’]*(?:-[a-z]+)*)")
_LOWER_WORD_NEXT = re.compile(r"[\s-]+[a-z]")
_HYPHENED = re.compile(r"-[a-z]")
_CONTEXT = 80  # characters either side of a number that tell how it is read

# Words after an amount that make it no adjective ("$7bn last year", not "$7bn loan").
_NOT_NOUNS = frozenset(
    """a an the and or but nor of in on at to for from by with without into onto over under
    above below about after before since until through between among against per than as if so
    towards toward via
    that this these those it its he she they we you i his her their our my your who which what
    them whom
    when where while whether is was are were be been being has have had will would could should
    may might can must do does did not no more less most least each every all both either neither
    last next this year years month months week weeks day days annually apiece worth total
    overall plus including alone already now then still just only even also too back up down
    out off again away yet instead extra altogether combined ago earlier later previously
    respectively apiece a-year a-month each-year goes went comes came gets got
    makes made takes took pays paid says said buys bought brings brought helps""".split()
)
_DETERMINERS = frozenset(
    "a an the its his her their our my your this that another every each any whose".split()
)
# Nouns an amount usually qualifies, even without "a" or "the" before it ("$2bn bond sale").
_MONEY_NOUNS = frozenset(
    """loan loans deal deals package packages bond bonds investment investments fund funds bailout
    fine fines settlement settlements contract contracts acquisition takeover bid bids offer offers
    budget budgets plan plans programme program project projects stake order orders merger sale
    sales purchase valuation lawsuit penalty payout payouts bonus salary transfer fee fees debt
    deficit surplus bill aid grant grants subsidy subsidies loss losses profit charge writedown
    write-down impairment buyback buybacks stimulus facility credit tax tariff mortgage house
    home mansion extension pledge commitment hole gap shortfall overhaul upgrade expansion scheme
    agreement jackpot prize damages ransom reward donation funding injection rescue lifeline
    windfall valuation writeoff write-off round rounds note notes coin coins banknote""".split()
)


_NAMED_THING = re.compile(r"(?:\s+[A-Z][\w'’&-]*){1,3}\s+([a-z]+)\b")  # "Apple deal", "Series A round"
# What a name stands before when an amount describes the named thing, not the name alone.
_NAMED_NOUNS = _MONEY_NOUNS | frozenset(
    """plant farm station site park field mine reactor facility factory project line tunnel bridge
    pipeline terminal refinery complex campus stadium arena tower dam""".split()
)


def _words_before(match: re.Match[str], count: int = 1) -> list[str]:
    """The COUNT words before a match, in lower case."""
    text = match.string[max(0, match.start() - _CONTEXT) : match.start()]
    return _WORD.findall(text.lower())[-count:]


def _after(match: re.Match[str]) -> str:
    return match.string[match.end() : match.end() + _CONTEXT]


def _word_after(match: re.Match[str]) -> str:
    found = _WORD_AFTER.match(_after(match))
    return found.group(1) if found else ""


def _determines(word: str) -> bool:
    """Whether WORD makes what follows one thing: "a", "the", "its", "the tycoon's"."""
    return word in _DETERMINERS or word.endswith(("'s", "’s"))


def _qualifies_noun(match: re.Match[str]) -> bool:
    """Whether the amount matched is an adjective before a noun: "a $7bn loan", "a 5kg bag"."""
    after = _after(match)
    if not _LOWER_WORD_NEXT.match(after):
        named = _NAMED_THING.match(after)  # "the 1.4GW Hornsea plant", "a $2bn Apple deal"
        before = _words_before(match)
        return bool(named and before and _determines(before[0]) and named.group(1) in _NAMED_NOUNS)
    if _HYPHENED.match(after):
        return True  # "a £100m-rated winger", "a 1.5m-tall statue"
    following = _word_after(match)
    first = following.split("-")[0]
    if first in _NOT_NOUNS or first.endswith("ly") or (first.endswith("ed") and first not in _MONEY_NOUNS):
        return False
    two = _words_before(match, 2)
    # "a new €10 note": a thing described, then priced ("a further £300m towards" is no adjective).
    described = len(two) == 2 and _determines(two[0]) and two[1] not in _NOT_NOUNS and _is_thing(first)
    return (bool(two) and _determines(two[-1])) or described or first in _MONEY_NOUNS


# "a $20-an-hour wage", "a £25m-a-year deal": a rate hyphenated onto an amount makes it an adjective.
_RATE_COMPOUND = re.compile(r"-(?:a|an|per)-[a-z]+\b")
_PLUS_NOUN = re.compile(r"-plus\s+[a-z]+\b(?<!ly)")  # "a $5bn-plus charge"


def _adjective(match: re.Match[str]) -> bool:
    if _PLUS_NOUN.match(_after(match)):
        before = _words_before(match)
        return bool(before) and _determines(before[0])
    return bool(_RATE_COMPOUND.match(_after(match))) or _qualifies_noun(match)


# --- money -------------------------------------------------------------------------------------

_CURRENCIES = {
    "$": ("dollar", "dollars"), "US$": ("US dollar", "US dollars"),
    "A$": ("Australian dollar", "Australian dollars"), "C$": ("Canadian dollar", "Canadian dollars"),
    "NZ$": ("New Zealand dollar", "New Zealand dollars"), "HK$": ("Hong Kong dollar", "Hong Kong dollars"),
    "S$": ("Singapore dollar", "Singapore dollars"), "R$": ("real", "reais"),
    "£": ("pound", "pounds"), "€": ("euro", "euros"), "¥": ("yen", "yen"), "₹": ("rupee", "rupees"),
    "Rs": ("rupee", "rupees"), "Rs.": ("rupee", "rupees"), "INR": ("rupee", "rupees"),
    "₩": ("won", "won"), "₽": ("rouble", "roubles"), "₺": ("lira", "lira"), "₦": ("naira", "naira"),
    "CHF": ("Swiss franc", "Swiss francs"), "EUR": ("euro", "euros"), "USD": ("dollar", "dollars"),
    "GBP": ("pound", "pounds"),
}  # fmt: skip
_SCALES = {
    "k": "thousand", "K": "thousand", "m": "million", "mn": "million", "mln": "million",
    "million": "million", "bn": "billion", "b": "billion", "billion": "billion", "tn": "trillion",
    "trn": "trillion", "trillion": "trillion", "crore": "crore", "cr": "crore", "lakh": "lakh",
    "lakh crore": "lakh crore",
}  # fmt: skip
_CURRENCY = (
    r"(?<![A-Za-z])(US\$|A\$|C\$|NZ\$|HK\$|S\$|R\$|\$|£|€|¥|₹|₩|₽|₺|₦|(?:Rs\.?|INR|CHF|EUR|USD|GBP)\s?)"
)
_SCALE = r"(?:\s?(k|K|mn|mln|m|bn|b|tn|trn)|[\s-](million|billion|trillion|lakh crore|crore|lakh|cr))\b"
_AMOUNT = rf"({NUMBER})(?:{_SCALE})?"


def _currency(symbol: str, singular: bool) -> str:
    return _CURRENCIES[symbol.strip()][0 if singular else 1]


def _amount(number: str, scale: str | None) -> str:
    return cardinal(number, scaled=bool(scale)) + (f" {_SCALES[scale]}" if scale else "")


_CENTS = re.compile(r"\.\d\d$")
_SCREENS = frozenset("1 2 4 5 8 10 12 16".split())  # "4K" and "8K" are resolutions
_COUNTED_AFTER = re.compile(r"\s+(?:[a-z]+s|people)\b")
_RUN = re.compile(r"[\s-]*(?:run|race|runs|races|runner|road race)\b")


def _money(match: re.Match[str]) -> str:
    """ "$4.5bn" is "four point five billion dollars"; "a $7bn loan" a "seven billion dollar loan"."""
    symbol, number, scale, word_scale = match.groups()
    scale = scale or word_scale
    singular = _adjective(match) or (number == "1" and not scale)
    if not scale and _CENTS.search(number) and symbol in "$£€" and number.startswith("0."):
        cents = cardinal(number[2:].lstrip("0") or "0")  # "€0.50" is "fifty cents", "£0.99" pence
        unit = ("penny", "pence") if symbol == "£" else ("cent", "cents")
        return f"{cents} {unit[0] if singular or number == '0.01' else unit[1]}"
    if not scale and _CENTS.search(number) and symbol in "$£€":
        if not singular:
            return match.group(0)  # "$3.50": NeMo says "three dollars fifty cents"
        whole, cents = number.split(".")  # "a £2.50 rise" is "a two pound fifty rise"
        return f"{cardinal(whole)} {_currency(symbol, True)} {cardinal(cents.lstrip('0') or '0')}"
    return f"{_amount(number, scale)} {_currency(symbol, singular)}"


def _money_range(match: re.Match[str]) -> str:
    """ "$1.5-2bn" is "one point five to two billion dollars"; "$10-$12" "ten to twelve dollars"."""
    symbol, low, low_scale, low_word, _, high, high_scale, high_word = match.groups()
    low_scale, high_scale = low_scale or low_word, high_scale or high_word
    singular = _adjective(match)
    low_words = _amount(low, low_scale if low_scale != high_scale else None)
    return f"{low_words} to {_amount(high, high_scale)} {_currency(symbol, singular)}"


def _pence(match: re.Match[str]) -> str:
    number, unit = match.groups()
    if unit == "c":
        return f"{cardinal(number)} {'cent' if number == '1' else 'cents'}"
    return f"{cardinal(number)} {'penny' if number == '1' else 'pence'}"


def _basis_points(match: re.Match[str]) -> str:
    return f"{cardinal(match.group(1))} basis {'point' if _qualifies_noun(match) else 'points'}"


def _scaled(match: re.Match[str]) -> str:
    """ "1.8m barrels" is million, "the 100m final" and "a 1.5m-tall statue" are metres."""
    number, scale = match.groups()
    if scale == "m" and _is_metres(match):
        return _measure(number, "m", match)
    if (scale in ("k", "K") and _RUN.match(_after(match))) or (scale == "K" and number in _SCREENS):
        return f"{cardinal(number)} K"  # "a 10k run", "in 4K"
    if scale == "b" and not _COUNTED_AFTER.match(_after(match)):
        return f"{cardinal(number)} b"  # "clade 1b", "Phase 2b": a variant, not billions
    return f"{cardinal(number, scaled=True)} {_SCALES[scale]}"


# --- units -------------------------------------------------------------------------------------

_UNITS = {
    "m": ("meter", "meters"), "km": ("kilometer", "kilometers"), "cm": ("centimeter", "centimeters"),
    "mm": ("millimeter", "millimeters"), "nm": ("nanometer", "nanometers"),
    "kg": ("kilogram", "kilograms"), "g": ("gram", "grams"), "mg": ("milligram", "milligrams"),
    "lb": ("pound", "pounds"),
    "lbs": ("pound", "pounds"), "oz": ("ounce", "ounces"), "ft": ("foot", "feet"),
    "in": ("inch", "inches"), "mi": ("mile", "miles"), "mph": ("mile per hour", "miles per hour"),
    "km/h": ("kilometer per hour", "kilometers per hour"),
    "kph": ("kilometer per hour", "kilometers per hour"),
    "kmh": ("kilometer per hour", "kilometers per hour"), "kW": ("kilowatt", "kilowatts"),
    "MW": ("megawatt", "megawatts"), "GW": ("gigawatt", "gigawatts"), "TW": ("terawatt", "terawatts"),
    "kWh": ("kilowatt hour", "kilowatt hours"), "MWh": ("megawatt hour", "megawatt hours"),
    "GWh": ("gigawatt hour", "gigawatt hours"), "TWh": ("terawatt hour", "terawatt hours"),
    "KB": ("kilobyte", "kilobytes"), "MB": ("megabyte", "megabytes"), "GB": ("gigabyte", "gigabytes"),
    "TB": ("terabyte", "terabytes"), "PB": ("petabyte", "petabytes"),
    "Mbps": ("megabit per second", "megabits per second"),
    "Gbps": ("gigabit per second", "gigabits per second"),
    "MHz": ("megahertz", "megahertz"), "GHz": ("gigahertz", "gigahertz"), "ml": ("milliliter", "milliliters"),
    "ha": ("hectare", "hectares"), "bpd": ("barrel per day", "barrels per day"),
    "b/d": ("barrel per day", "barrels per day"), "kV": ("kilovolt", "kilovolts"),
    "m2": ("square meter", "square meters"), "m²": ("square meter", "square meters"),
    "sq m": ("square meter", "square meters"), "sqm": ("square meter", "square meters"),
    "km2": ("square kilometer", "square kilometers"), "km²": ("square kilometer", "square kilometers"),
    "sq km": ("square kilometer", "square kilometers"), "sq ft": ("square foot", "square feet"),
    "sq mi": ("square mile", "square miles"), "m3": ("cubic meter", "cubic meters"),
    "m/s": ("meter per second", "meters per second"),
    "m³": ("cubic meter", "cubic meters"), "cu m": ("cubic meter", "cubic meters"),
    "W": ("watt", "watts"), "Wh": ("watt hour", "watt hours"), "bbl": ("barrel", "barrels"),
    "ppm": ("part per million", "parts per million"), "ppb": ("part per billion", "parts per billion"),
    "MP": ("megapixel", "megapixels"), "MB/s": ("megabyte per second", "megabytes per second"),
    "GB/s": ("gigabyte per second", "gigabytes per second"),
    "hp": ("horsepower", "horsepower"), "bhp": ("brake horsepower", "brake horsepower"),
    "mpg": ("mile per gallon", "miles per gallon"), "kcal": ("kilocalorie", "kilocalories"),
    "mAh": ("milliamp hour", "milliamp hours"), "dB": ("decibel", "decibels"),
    "Hz": ("hertz", "hertz"), "kHz": ("kilohertz", "kilohertz"), "yd": ("yard", "yards"),
    "yds": ("yard", "yards"), "psi": ("pound per square inch", "pounds per square inch"),
    "mcg": ("microgram", "micrograms"), "µg": ("microgram", "micrograms"),
    "mSv": ("millisievert", "millisieverts"),
}  # fmt: skip
_UNIT = "|".join(re.escape(unit) for unit in sorted(set(_UNITS) - {"m", "in", "MP"}, key=len, reverse=True))
# Race distances said "fifteen hundred", not "one thousand five hundred".
_HUNDREDS = {"1500": "fifteen hundred", "1,500": "fifteen hundred"}
_RACE_DISTANCES = frozenset("50 60 100 110 200 400 800 1500 1,500 3000 3,000 5000 5,000 10000 10,000".split())
# A title won over a distance: "the 5,000m world champion", "the 100m Olympic final".
_TITLES = (
    r"(?:world|olympic|european|commonwealth|national)\s+(?:champion|champions|championships?|title|"
    r"crown|gold|silver|bronze|final|best|lead)"
)
# What follows a distance in metres, not an amount in millions.
_METRE_WORDS = (
    r"tall|high|long|wide|deep|thick|away|above|below|beneath|underground|across|in\s+diameter|"
    r"in\s+length|in\s+height|final|finals|race|races|sprint|sprinter|hurdles|hurdler|freestyle|"
    r"butterfly|backstroke|breaststroke|medley|relay|dash|title|crown|gold|silver|bronze|world\s+record|"
    r"record|champion|heat|heats|semi-final|semifinal|semi|event|steeplechase|swim|podium|runner|"
    r"specialist|platform|springboard|yacht|wall|waves?|tower|drop|fall|plunge|mark|stretch|swell|"
    rf"radius|descent|climb|{_TITLES}"
)
_METRES_AFTER = re.compile(rf"-?\s*(?:{_METRE_WORDS})\b")
# A sentence about jumping or throwing, water, snow or fog measures in metres: "he cleared 6.24m",
# "visibility fell to 50m".
_FIELD_EVENTS = re.compile(
    r"\b(?:jump(?:ed|s)?|leap|vault(?:ed)?|cleared|clearance|throw(?:s|n)?|threw|javelin|discus|"
    r"hammer|shot put|heptathlon|decathlon|swell|surge|sea levels?|depth|altitude|height|tall|deep|"
    r"river|floodwaters?|water levels?|tide|sprint|sprinter|sprinted|fastest|clocking|clocked|athletics|"
    r"swam|swimmer|div(?:e|es|er|ers|ed|ing)|dove|waves?|fl(?:y|ies|ew|own|ying)|hover(?:s|ed|ing)?|"
    r"visibility|fog|mist|snow|snowdrifts?|drifts?|avalanche|landslide|tsunami|cliffs?|wingspan)\b",
    re.IGNORECASE,
)


_PEOPLE = frozenset("people children men women staff police cattle sheep".split())


def _described_thing(match: re.Match[str]) -> bool:
    """Whether a thing's name follows a determiner and one describing word: "the town's new 50m
    pool", "its first 20kg bag"."""
    two = _words_before(match, 2)
    return (
        len(two) == 2
        and _determines(two[0])
        and two[1] not in _NOT_NOUNS
        and bool(_LOWER_WORD_NEXT.match(_after(match)))
        and _is_thing(_word_after(match))
    )


# A bare measure placed by the words after it: "150m from the shore", "fell 10m onto rocks".
_PLACED_AFTER = re.compile(
    r"\s+(?:onto|off|along|apart|inland|offshore|upstream|downstream|underwater|uphill|downhill)\b|"
    r"\s+(?:from|into)\s+(?:the|a|an|his|her|its|their)\b"
)
_OF_THING = re.compile(r"\s+of\s+([a-z]+)\b")  # "300m of coastline", not "3m of them"
# Verbs before a measure that move, stand or stretch something over it: "climbed 3,000m".
_LENGTH_VERBS = frozenset(
    """climb climbs climbed climbing dived dove diving swam swum descended ascended travelled traveled
    walked crawled drifted stood stands standing stretches stretched stretching measures measured
    measuring spans spanning extends extended extending within""".split()
)
# Verbs before an amount of money or of things: "raised 3m from investors", "put 3m into it".
_GAINED = frozenset(
    """raise raises raised raising receive received earn earned make made take took collect collected
    attract attracted drew generated won secured saved invested put poured pumped injected lost""".split()
)


def _placed(match: re.Match[str], following: str, counted: bool) -> bool:
    """Whether a bare measure says where something is or how far it went, so it is a length:
    a verb of moving or standing before it ("climbed 3,000m hours later": a span of time after
    it starts a new phrase), or a place after it ("2m from the door", "300m of coastline")."""
    before = _words_before(match)
    verb = before[0] if before else ""
    if verb in _GAINED:
        return False
    if verb in _LENGTH_VERBS and (not counted or following in _NOT_PLURALS):
        return True
    of = _OF_THING.match(_after(match))
    return bool(_PLACED_AFTER.match(_after(match)) or (of and _is_thing(of.group(1))))


def _is_metres(match: re.Match[str]) -> bool:
    if _METRES_AFTER.match(_after(match)):
        return True
    following = _word_after(match)
    words = _words_before(match)
    if words and words[0] in ("a", "an", "the") and _is_thing(following):
        return True  # "a 30m boat", "the 25m pool": one thing, measured
    if _described_thing(match):
        return True  # "the town's new 50m pool": a thing, described, then measured
    counted = (len(following) > 3 and following.endswith("s") and following not in _NOT_NOUNS) or (
        following in _PEOPLE
    )
    if (_FIELD_EVENTS.search(match.string) and not counted) or _placed(match, following, counted):
        return True
    number = match.group(1)
    noun_after = _LOWER_WORD_NEXT.match(_after(match)) and following not in _NOT_NOUNS
    return bool(
        number in _RACE_DISTANCES
        and words
        and words[0] in _DETERMINERS | {"men's", "women's", "mixed"}
        and not noun_after
    )


# Nouns after "a 2m" that count millions, not metres ("a 2m audience", "a 3m contract").
_MILLIONS = _MONEY_NOUNS | frozenset(
    """audience population workforce following readership viewership increase rise gain jump
    loss cut boost hit fall drop shortfall total figure majority lead surplus backlog round pot
    haul sum amount portfolio budget bid offer order stake deal raise target threshold milestone
    barrier strong""".split()
)


def _is_thing(word: str) -> bool:
    """Whether WORD is a thing's name in the singular, as in "a 30m yacht"."""
    return (
        len(word) >= 3
        and word.isalpha()
        and word.islower()
        and not word.endswith("s")
        and word not in _MILLIONS | _NOT_NOUNS
    )


# A race is named in the plural ("the 100 metres final", "the 400 metres hurdles").
_EVENT = re.compile(
    r"\s*(?:final|finals|race|sprint|hurdles|freestyle|butterfly|backstroke|breaststroke|medley|relay|"
    r"dash|title|crown|gold|silver|bronze|world record|record|champion|heats?|semi-?finals?|semis|event|"
    rf"steeplechase|podium|runner|sprinter|specialist|swim|{_TITLES})\b"
)


# Words ending in "s" that are no plural noun describing a measure: adverbs ("10km across"),
# verbs ("a rise of 2cm means"), spans of time ("climbed 3,000m hours later").
_NOT_PLURALS = frozenset(
    """always perhaps whereas besides afterwards sideways upwards downwards overseas means makes
    takes gives costs remains seems comes goes rises falls stays brings needs requires years
    months weeks days hours minutes seconds""".split()
)


def _before_plural_noun(match: re.Match[str]) -> bool:
    """Whether a measure describes things named next: "2TB drives", "5m waves"."""
    word = _word_after(match)
    return (
        bool(_LOWER_WORD_NEXT.match(_after(match)))
        and len(word) > 3
        and word.isalpha()
        and word.endswith("s")
        and not word.endswith(("ss", "us", "is"))
        and word not in _NOT_NOUNS | _NOT_PLURALS
    )


def _measure(number: str, unit: str, match: re.Match[str]) -> str:
    singular, plural = _UNITS[unit]
    event = unit == "m" and _EVENT.match(_after(match))
    adjective = _qualifies_noun(match) or _described_thing(match) or _before_plural_noun(match)
    one = number == "1" or (adjective and not event)
    words = _HUNDREDS.get(number, cardinal(number)) if unit == "m" else cardinal(number)
    return f"{words} {singular if one else plural}"


def _unit(match: re.Match[str]) -> str:
    number, unit = match.groups()
    return _measure(number, unit, match)


def _relay(match: re.Match[str]) -> str:
    """ "4x100m relay" is "four by one hundred metres"."""
    legs, distance = match.groups()
    return f"{cardinal(legs)} by {_HUNDREDS.get(distance, cardinal(distance))} meters"


def _feet_inches(match: re.Match[str]) -> str:
    feet, inches = match.groups()
    return f"{cardinal(feet)} {'foot' if feet == '1' else 'feet'} {cardinal(inches)} " + (
        "inch" if inches == "1" else "inches"
    )


# --- temperatures ------------------------------------------------------------------------------

_SCALES_TEMPERATURE = {"C": "Celsius", "F": "Fahrenheit"}
_MINUS = r"(?:(?<![\w.,)])[-−]|minus\s)"


def _degrees(number: str, negative: bool) -> str:
    word = "degree" if number == "1" and not negative else "degrees"
    return ("minus " if negative else "") + f"{cardinal(number)} {word}"


# Nouns a temperature qualifies even without "a" or "the": "in 45C heat", "30C temperatures".
_HEAT_NOUNS = frozenset("heat heatwave heatwaves temperatures weather sunshine days nights".split())


def _temperature(match: re.Match[str]) -> str:
    """ "-40C" is "minus forty degrees Celsius": the minus is never lost; "a 10C drop" is a "ten
    degree drop"."""
    minus, number, scale = match.groups()
    if not minus and (_qualifies_noun(match) or _word_after(match) in _HEAT_NOUNS):
        return f"{cardinal(number)} degree {_SCALES_TEMPERATURE[scale]}"
    return f"{_degrees(number, bool(minus))} {_SCALES_TEMPERATURE[scale]}"


def _temperature_range(match: re.Match[str]) -> str:
    low_minus, low, high_minus, high, scale = match.groups()
    low_words = ("minus " if low_minus else "") + cardinal(low)
    return f"{low_words} to {_degrees(high, bool(high_minus))} {_SCALES_TEMPERATURE[scale]}"


# --- ranges, scores, votes ---------------------------------------------------------------------

_VOTE_WORDS = frozenset(
    """vote votes voted voting ballot ruling rule ruled decision decided majority margin passed
    approved rejected confirmed confirm split verdict senate house court justices jury panel
    judges board committee council lawmakers senators members tally amendment motion bill measure
    resolution proposal referendum failed carried nomination legislation commissioners
    shareholders justices""".split()
)
# Words after a pair that make it odds, said with "to": "a 5-1 shot".
_ODDS = frozenset(
    """shot shots outsider outsiders favourite favorite favourites favorites chance odds bet""".split()
)
# Verbs of sport that make a pair a score even among words of voting ("the council team won 3-1").
_PLAYED = frozenset(
    """won win wins beat beats lost lose drew draw lead leads led trail trails trailed trailing""".split()
)
_SCORE_BEFORE = frozenset(
    """won win wins winning beat beats beating lost lose loses losing drew draw drawing lead led
    leads leading trail trails trailed trailing defeated defeat edged edge thrashed thrash routed
    hammered crushed downed overcame stunned scoreline score scored ended finished victory
    victories level""".split()
)
_SCORE_AFTER = frozenset(
    """win wins victory victories defeat defeats loss losses lead draw draws home away aggregate
    scoreline thrashing triumph success reverse rout drubbing comeback loss win final
    half-time halftime finish finishes""".split()
)
_CRICKET = re.compile(
    r"\b(?:wickets?|innings|overs?|declared|all out|stumps|batting|batted|bowled|bowling|Test|ODI|"
    r"T20|run chase|lunch|tea|collapsed|runs?)\b"
)
_TOOK = frozenset("took take takes taking claimed claims claiming figures".split())
_VOTED = frozenset("vote ruling decision majority verdict".split())
_YEAR = re.compile(r"1\d\d\d|20\d\d")
_YEAR_END = re.compile(r"\d\d|1\d\d\d|20\d\d")
_NAME_BEFORE = re.compile(r"\b[A-Z][\w'’-]*\s$")
_NAME_AFTER = re.compile(r"\s[A-Z][a-z]")
_MODEL = re.compile(r"[1-9]\d{2}-\d+")
_MAKER_BEFORE = re.compile(r"\b(?:Boeing|Airbus|Embraer|Bombardier|Cessna|Tupolev|Ilyushin|Antonov)\s+$")


def _pair_words(low: str, high: str, *, to: bool) -> str:
    if to:
        return f"{cardinal(low)} to {cardinal(high)}"
    if low == high:
        return "nil nil" if low == "0" else f"{cardinal(low)} all"
    return " ".join("nil" if side == "0" else cardinal(side) for side in (low, high))


def _pair(match: re.Match[str]) -> str:
    """Two numbers joined by a dash: a range ("2-3 points"), a score ("won 3-1"), a vote ("a 5-4
    ruling") or a cricket total ("312-4"), told apart by the words around them and by which
    number is bigger (a score is written winner first, a range low to high)."""
    left, right = match.group(1), match.group(2)
    low, high = float(left.replace(",", "")), float(right.replace(",", ""))
    before = _words_before(match, 3)
    previous = before[-1] if before else ""
    following = _word_after(match).lower()
    next_two = _WORD.findall(_after(match).lower())[:2]
    if previous == "between":
        return f"{left} and {right}"
    if _YEAR.fullmatch(left) and _YEAR_END.fullmatch(right):
        return f"{left} to {right}"  # years: NeMo reads "1893 to 94" as years
    named = _NAME_BEFORE.search(match.string[max(0, match.start() - _CONTEXT) : match.start()])
    # "737-800", never "1913 - 1936"; a one-digit variant after a maker only ("Boeing 737-9", not
    # "England 312-4")
    model = _MODEL.fullmatch(match.group(0)) and (
        len(right) > 1 or _MAKER_BEFORE.search(match.string[: match.start()])
    )
    if named and model and not set(before) & (_VOTE_WORDS | _SCORE_BEFORE):
        return f"{year_words(left)} {year_words(right)}"  # a model: "Boeing 737-800"
    if following in _ODDS:
        return _odds_at(match, left, right)
    if {word.rstrip("s") for word in next_two} & _VOTED or (
        set(before) & _VOTE_WORDS and not set(before) & _PLAYED
    ):
        return _pair_words(left, right, to=True)
    if previous in ("season", "record") or following == "record" or before[-2:] == ["record", "of"]:
        return f"{cardinal(left)} and {cardinal(right)}"  # wins and losses: "finished the season 15-2"
    is_score = previous in _SCORE_BEFORE or following in _SCORE_AFTER or "-" + following in _SCORE_AFTER
    is_score = is_score or bool(named and _NAME_AFTER.match(_after(match)))  # "Man Utd 0-3 Spurs"
    bowled = previous in _TOOK or before[-2:] == ["figures", "of"]
    if low <= 10 < high and bowled and _CRICKET.search(match.string):
        return f"{cardinal(left)} for {cardinal(right)}"  # bowling figures, wickets first: "took 5-42"
    if high <= 10 and low > high and (low >= 100 or (_CRICKET.search(match.string) and low > 20)):
        return f"{cardinal(left)} for {cardinal(right)}"
    if is_score or low >= high:
        return _pair_words(left, right, to=low > 10 or high > 10)
    return f"{left} to {right}"  # a range, low to high: NeMo reads the numbers


_SET = re.compile(r"(\d-\d)(?:\s?\((\d+(?:-\d+)?)\))?")


def _tennis(match: re.Match[str]) -> str:
    """ "won 6-4, 7-6(5)" is "six four, seven six, five"; a love set is "six love"."""
    sets = []
    tennis = "6" in match.group(0) or "7" in match.group(0)
    for games, tiebreak in _SET.findall(match.group(0)):
        zero = "love" if tennis else "nil"
        said = " ".join(zero if side == "0" else cardinal(side) for side in games.split("-"))
        points = " ".join(cardinal(side) for side in tiebreak.split("-")) if tiebreak else ""
        sets.append(said + (f" ({points})" if points else ""))
    return ", ".join(sets)


# --- dates and times ---------------------------------------------------------------------------

MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\b\.?"
)
"""A month's name, whole or cut short ("Sept.", not "Marseille")."""
_MONTHS = "January February March April May June July August September October November December".split()
_MONTH_NAMES = {name[:3].lower(): name for name in _MONTHS} | {"sept": "September"}
_DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
WEEKDAYS = {
    "Mon": "Monday", "Tue": "Tuesday", "Tues": "Tuesday", "Wed": "Wednesday", "Thu": "Thursday",
    "Thur": "Thursday", "Thurs": "Thursday", "Fri": "Friday", "Sat": "Saturday", "Sun": "Sunday",
} | {day: day for day in _DAYS}  # fmt: skip
"""A weekday's name, whole or cut short, in full."""
_DAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_TIME_ZONES = "GMT|UTC|BST|CET|CEST|EST|EDT|ET|PT|CT|MT|local"
_ZONES = {"ET": "eastern time", "PT": "pacific time", "CT": "central time", "MT": "mountain time"}


def _month(name: str) -> str:
    return _MONTH_NAMES.get(name.rstrip(".").lower()[:4], "") or _MONTH_NAMES[name.rstrip(".").lower()[:3]]


def _the(match: re.Match[str]) -> str:
    """ "the", for a date said "the third of March", unless the text has it ("the 8-10 June summit")."""
    return "" if _words_before(match) == ["the"] else "the "


def _us_date(match: re.Match[str]) -> str:
    return _us_date_words(match.group(1), match.group(2))


def _us_date_words(month: str, day: str) -> str:
    return f"{_MONTHS[int(month) - 1]} {ordinal(day)}"


def _dated(match: re.Match[str]) -> str:
    """ "on 4/15" is April 15th; after "by", a fraction stays one ("cut by 1/3", "up by 2/5")."""
    words, month, day = match.groups()
    if words.lower().startswith("by") and int(month) < int(day) <= 10:
        return match.group(0)
    return words + _us_date_words(month, day)


def _clock(match: re.Match[str]) -> str:
    """ "0900 GMT" is "oh nine hundred GMT", "1430 GMT" "fourteen thirty GMT"."""
    hours, minutes = match.group(1), match.group(2)
    said = ("oh " if hours.startswith("0") and hours != "00" else "") + (
        cardinal(hours) if hours != "00" else "zero"
    )
    if minutes == "00":
        return f"{said} hundred"
    return f"{said} {'oh ' if minutes.startswith('0') else ''}{cardinal(minutes)}"


def _clock_minutes(minutes: str) -> str:
    return ("oh " if minutes.startswith("0") else "") + cardinal(minutes.lstrip("0") or "0")


def year_words(number: str) -> str:
    """A year as said: "2024" is "twenty twenty four", "2005" "two thousand five", "1905"
    "nineteen oh five", "476" "four seventy six", "1500" "fifteen hundred"."""
    value = int(number)
    century, rest = divmod(value, 100)
    if value < 100 or value % 1000 == 0 or 2000 <= value < 2010:
        return integer_words(value)
    if not rest:
        return f"{integer_words(century)} hundred"
    return f"{integer_words(century)} {'oh ' if rest < 10 else ''}{integer_words(rest)}"


def _race_time(match: re.Match[str]) -> str:
    """ "3:49.04" is "three minutes forty nine point oh four seconds"."""
    hours, minutes, seconds, fraction = match.groups()[-4:]
    parts = []
    if hours:
        parts.append(f"{cardinal(hours)} {'hour' if hours == '1' else 'hours'}")
    if int(minutes) or not hours:
        parts.append(f"{cardinal(minutes)} {'minute' if int(minutes) == 1 else 'minutes'}")
    fraction = (fraction or "").rstrip("0")  # "26:11.00" is "eleven seconds"
    tail = (
        " point " + " ".join("oh" if digit == "0" else _ONES[int(digit)] for digit in fraction)
        if fraction
        else ""
    )
    parts.append(f"{cardinal(seconds)}{tail} {'second' if seconds == '01' and not fraction else 'seconds'}")
    return " ".join(parts)


_DIGITS = re.compile(r"\d+")


def _phone(match: re.Match[str]) -> str:
    """ "0800 555 111" is "oh eight hundred, five five five, one one one"."""
    groups = _DIGITS.findall(match.group(0))
    return _groups(groups)


def _groups(groups: list[str]) -> str:
    prefix = 1 if groups[0] in ("1", "+1") and len(groups) > 1 else 0  # "1-800": the 800 is the prefix
    return ", ".join(digits(group, first=index == prefix) for index, group in enumerate(groups))


def _hyphen_plural(match: re.Match[str]) -> str:
    """ "the over-50s" are "the over fifties"; "the under-21s" "the under twenty ones"."""
    return plural(cardinal(match.group(1)))


def _ers(match: re.Match[str]) -> str:
    """ "the 49ers" are "the forty niners", "the 76ers" "the seventy sixers"."""
    words = cardinal(match.group(1))
    return words[:-1] + "ers" if words.endswith("e") else words + "ers"


_SERVICE_NUMBERS = r"911|999|112|111|101|988|311|211|411|511|611|711|811|000|119|110"
_DIALLED = (
    r"call|calls|calling|called|dial|dials|dialled|dialed|dialling|dialing|ring|rang|phone|phoned|"
    r"text|texted|texting"
)
_CALLING = re.compile(
    rf"\b(?:{_DIALLED}|NHS|(?:emergency|helpline|hotline|phone|telephone) (?:number|line|service)s?)\b",
    re.IGNORECASE,
)


def _service(number: str) -> str:
    """An emergency number: "999" is "nine nine nine"; Australia's "000" is "triple zero"."""
    return "triple zero" if number == "000" else digits(number)


_DATE_WORDS = (
    r"on|by|until|till|since|from|before|after|through|thru|starting|ending|Monday|Tuesday|"
    r"Wednesday|Thursday|Friday|Saturday|Sunday|"
    # words that name a day next: "the deadline is 11/5", "due 3/1", "set for 12/2"
    r"deadline(?: is| of)?|due|dated|expires|(?:scheduled|set|slated) for"
)
_DECADES = {"1": "tens", "2": "twenties", "3": "thirties", "4": "forties", "5": "fifties", "6": "sixties",
            "7": "seventies", "8": "eighties", "9": "nineties", "0": "noughties"}  # fmt: skip


def _keyword(words: str) -> str:
    """The word to text, in capitals for the eye, is said as a word ("text HELP to"), unless it
    has no vowel to say ("text NHS to")."""
    return re.sub(
        r"\b[A-Z]{3,}\b",
        lambda m: m.group(0).lower() if re.search(r"[AEIOUY]", m.group(0)) else m.group(0),
        words,
    )


def _cricket_slash(match: re.Match[str]) -> str:
    """ "312/4" is "three hundred and twelve for four" (a total, then wickets)."""
    runs, wickets = match.groups()
    if int(runs) >= 100 or (int(runs) > 20 and _CRICKET.search(match.string)):
        return f"{cardinal(runs)} for {cardinal(wickets)}"
    return match.group(0)


# --- betting odds ------------------------------------------------------------------------------

# Words that make a sentence about betting, where "11/4" is odds ("eleven to four"), not a fraction.
_BETTING = re.compile(
    r"\b(?:bets?|betting|odds(?:-on)?|evens|bookmakers?|bookies|priced|punters?|favourites?|favorites?|"
    r"outsiders?|each-way|shot)\b",
    re.IGNORECASE,
)
# Words after a pair that make it odds in any sentence: "4/1 to win", "a 5/2 shot", "2/5 on."
_ODDS_AFTER = re.compile(
    r"\s+(?:to\s+(?:win|be|take|lift|finish|claim|beat)\b|shots?\b|favourites?\b|favorites?\b|"
    r"outsiders?\b|chance\b|on\b(?!\s+\w))"
)
# A slash pair that stays a fraction or a date, even among bets: "3/4 of punters", "on 5/6"
# (but a price moves "from 2/1 to 9/2").
_FRACTION_AFTER = re.compile(r"\s+of\b")
_DATE_BEFORE = re.compile(rf"\b(?i:(?!from\b)(?:{_DATE_WORDS})),?\s$")


def _odds(winner: str, stake: str, *, after_article: bool = False) -> str:
    """Odds as a bookmaker says them: "11/4" is "eleven to four", "1/1" "evens", and "100/1"
    "a hundred to one" (AFTER_ARTICLE, "the hundred to one outsider")."""
    if winner == stake:
        return "evens"
    words = f"{cardinal(winner)} to {cardinal(stake)}"
    if words.startswith(("one hundred", "one thousand")):
        words = ("" if after_article else "a ") + words.removeprefix("one ")
    return words


def _odds_at(match: re.Match[str], winner: str, stake: str) -> str:
    """The odds matched, with what the word before them asks ("the 100/1 outsider")."""
    return _odds(winner, stake, after_article=_words_before(match) in (["a"], ["an"], ["the"]))


def _slash_odds(match: re.Match[str]) -> str:
    """A pair with a slash is odds where the words after it say so ("a 5/2 favourite") or the
    sentence is about betting; never a fraction of something or a date ("3/4 of voters", "on 5/6"),
    nor a cricket total in a sentence about cricket."""
    after, before = _after(match), match.string[max(0, match.start() - _CONTEXT) : match.start()]
    if _FRACTION_AFTER.match(after) or _DATE_BEFORE.search(before):
        return match.group(0)
    winner, stake = match.groups()
    total = int(winner) > 20 and int(stake) <= 10 and _CRICKET.search(match.string)  # "312/4" at stumps
    if _ODDS_AFTER.match(after) or (_BETTING.search(match.string) and not total):
        return _odds_at(match, winner, stake)
    return match.group(0)


def _safe(replace: Callable[[re.Match[str]], str]) -> Callable[[re.Match[str]], str]:
    """A rule that fails on text no one foresaw leaves that text as written, for NeMo."""

    def safely(match: re.Match[str]) -> str:
        try:
            return replace(match)
        except (ValueError, KeyError, IndexError):
            return match.group(0)

    return safely


_RULES: list[Rule] = [
    # Phone numbers are said digit by digit in their groups, before any rule reads them as amounts.
    (re.compile(r"(?<![\w-])(?:1-)?\(?[2-9]\d\d\)?[- ]\d{3}-\d{4}\b"), _phone),
    (re.compile(r"(?<![\w-])0\d{2,4}(?: \d{3,4}){1,2}\b(?![,.]\d)"), _phone),
    # International numbers: "+44 20 7946 0958".
    (
        re.compile(r"(?<![\w+])\+(\d{1,3})((?:[ -]\d{1,4}){2,4})\b"),
        lambda m: "plus " + ", ".join(digits(group) for group in [m.group(1), *_DIGITS.findall(m.group(2))]),
    ),
    # Short codes to text: "text SHOUT to 85258".
    (
        re.compile(r"(?i:\b(text|txt|sms)\b)(\s+\S+\s+to\s+)(\d{5,6})\b"),
        lambda m: m.group(1) + _keyword(m.group(2)) + digits(m.group(3)),
    ),
    # Emergency and helpline numbers ("call 999", "the 988 line") are digits, not amounts.
    (
        re.compile(
            rf"\b((?i:{_DIALLED})(?: or (?:{_DIALLED}))? )({_SERVICE_NUMBERS})\b(?![,.]?\d)"
            r"(?!\s+(?!calls\b)[a-z]{2,}s\b)"
        ),
        lambda m: m.group(1) + _service(m.group(2)),
    ),
    # ... and so are they anywhere in a sentence about calling ("call NHS 111 rather than 999").
    (
        re.compile(rf"(?<![\w$£€¥.,-])({_SERVICE_NUMBERS})\b(?![,.]?\d|-)(?!\s+[a-z]{{2,}}s\b)"),
        lambda m: _service(m.group(1)) if _CALLING.search(m.string) else m.group(0),
    ),
    # Numbers in groups of three after "call" or "on" ("on 116 123") are phone numbers too.
    (
        re.compile(rf"\b((?i:{_DIALLED}|on|free on|line on) )(\d{{3}}(?: \d{{3,4}}){{1,2}})\b(?![,.]\d)"),
        lambda m: m.group(1) + _groups(m.group(2).split()),
    ),
    (
        re.compile(
            rf"\b({_SERVICE_NUMBERS})(?=[\s-]+(?i:calls?|operators?|dispatch|dispatchers?|lines?|"
            r"lifeline|hotline|number|emergency|service|suicide)\b)"
        ),
        lambda m: _service(m.group(1)),
    ),
    # Just after midnight on a 24-hour clock: "00:01 GMT" is "zero zero oh one".
    (
        re.compile(r"(?<![\d:.])\b00[:.]([0-5]\d)\b(?![:.]\d)"),
        lambda m: "midnight" if m.group(1) == "00" else "zero zero " + _clock_minutes(m.group(1)),
    ),
    # Race times: "3:49.04", "2:01:09.5" are minutes and seconds, not a clock.
    (re.compile(r"\b(?:(\d{1,2}):)?(\d{1,2}):(\d\d)\.(\d{1,3})\b"), _race_time),
    # Hours, minutes and seconds of a race: "won in 2:00:35".
    (
        re.compile(
            r"\b((?:in|of|time|clocked|record|finished|finish|won|ran|run|timed?) )(\d):(\d\d):(\d\d)\b()"
        ),
        lambda m: m.group(1) + _race_time(m),
    ),
    # A ratio's colon is "to" ("3:1", "16:9"): a clock's minutes always have two digits.
    (re.compile(r"(?<![\d:.])(\d{1,3}):(\d)\b(?![\d:])"), lambda m: f"{m.group(1)} to {m.group(2)}"),
    (
        re.compile(r"\b((?:ratio|margin) of )(\d+)[:/-](\d+)\b"),
        lambda m: f"{m.group(1)}{m.group(2)} to {m.group(3)}",
    ),
    (
        re.compile(r"\b((?i:odds|price) of |(?i:priced|backed) at )(\d+)[:/-](\d+)\b"),
        lambda m: m.group(1) + _odds(m.group(2), m.group(3)),
    ),
    # 24-hour clock times before a time zone: "0900 GMT" is "oh nine hundred", "1430 hrs".
    (re.compile(rf"\b([01]\d|2[0-3])([0-5]\d)(?=\s?(?:{_TIME_ZONES}|Z)\b)"), _clock),
    (re.compile(r"\b([01]\d|2[0-3])([0-5]\d)\s?(?:hrs|hours)\b"), lambda m: _clock(m) + " hours"),
    # A clock with a point before a time zone, British style: "10.30 GMT" is "10:30 GMT".
    (re.compile(rf"(?<![\d.,])\b([01]?\d|2[0-3])\.([0-5]\d)(?=\s?(?:{_TIME_ZONES})\b)"), r"\1:\2"),
    # ... and on the hour, "23:00" is "twenty three hundred" (NeMo says "twenty three o'clock").
    (re.compile(r"(?<![\d:.])\b(1[3-9]|2[0-3]):(00)\b(?![:.]\d)"), _clock),
    (
        re.compile(r"(?<=\b(?:at|by|to) )(0\d)([0-5]\d)\b(?![.,]?\d)"),
        _clock,
    ),
    # Years of an era: "AD 79", "476 AD", "551 BC" are read as years ("four seventy six").
    (re.compile(r"\b(AD|CE) (\d{1,4})\b"), lambda m: f"{m.group(1)} {year_words(m.group(2))}"),
    (
        re.compile(r"\b(\d{1,4})\s?[-–]\s?(\d{1,4}) ?(BC|BCE|AD|CE)\b"),
        lambda m: f"{year_words(m.group(1))} to {year_words(m.group(2))} {m.group(3)}",
    ),
    (re.compile(r"\b(\d{1,4}) ?(BC|BCE|AD|CE)\b"), lambda m: f"{year_words(m.group(1))} {m.group(2)}"),
    # A slash between one zone's time and another's is a pause: "3pm ET/12pm PT".
    (re.compile(rf"\b({_TIME_ZONES})\s?/\s?(?=\d)"), r"\1, "),
    # US time zones after a time are said in full: "10:30am ET" is "ten thirty AM eastern time".
    (
        re.compile(r"(?:(?<=\d)|(?<=[ap]m)|(?<=[AP]M)|(?<=m\.)|(?<=noon)|(?<=midnight))\s?\b(ET|PT|CT|MT)\b"),
        lambda m: f" {_ZONES[m.group(1)]}",
    ),
    # Decades NeMo reads wrongly: "'80s"; a decade's century as a number NeMo says as a
    # year's first half ("2030s" is "20 thirties"); compound ordinals ("19th-century").
    (re.compile(r"\b(\d+(?:st|nd|rd|th))-(?=[a-z])"), r"\1 "),
    (re.compile(r"(?<!\w)['’](\d)0s\b"), lambda m: _DECADES[m.group(1)]),
    (re.compile(r"\b(1\d|20)([1-9])0s\b"), lambda m: f"{m.group(1)} {_DECADES[m.group(2)]}"),
    # Year ranges: "2023-24", "the 2025/26 season".
    (re.compile(r"\b((?:1[5-9]|20)\d\d)\s?[-–/]\s?(\d\d)\b(?!\d|/)"), r"\1 to \2"),
    # "the over-50s" are "the over fifties"; "the 49ers" "the forty niners".
    (re.compile(r"(?<=-)(\d{1,2})s\b"), _hyphen_plural),
    (re.compile(r"\b(\d{1,3})ers\b"), _ers),
    # Well-known numbers in shorthand.
    (re.compile(r"\b9/11\b"), "nine eleven"),
    (re.compile(r"\b7/7\b"), "seven seven"),
    (re.compile(r"\b24[/-]7\b"), "twenty four seven"),
    (re.compile(r"\b50[-/]50\b"), "fifty-fifty"),
    # Shares of a hundred: "a 60/40 split" is "sixty forty".
    (
        re.compile(r"\b([1-9]0)[/-]([1-9]0)\b(?![/\d])"),
        lambda m: (
            f"{cardinal(m.group(1))} {cardinal(m.group(2))}"
            if int(m.group(1)) + int(m.group(2)) == 100
            else m.group(0)
        ),
    ),
    # A fraction alone: "½ a point" is "half a point" (NeMo reads "1½" itself).
    (re.compile(r"(?<![\d\w])½"), "half"),
    (re.compile(r"(?<![\d\w])¼"), "a quarter"),
    (re.compile(r"(?<![\d\w])¾"), "three quarters"),
    # Approximations and comparisons in symbols: "~50" is "about fifty", "c. 1500" "circa".
    (re.compile(r"\b(?:c|ca|circa)\.\s?(?=\d{2,4}\b)"), "circa "),
    (re.compile(r"(?<!\w)[~≈]\s?(?=[\d$£€¥])"), "about "),
    (re.compile(r"(?<![\w<>-])>\s?(?=[\d$£€¥])"), "more than "),
    (re.compile(r"(?<![\w<>-])<\s?(?=[\d$£€¥])"), "less than "),
    (re.compile(r"(?<!\w)≥\s?(?=[\d$£€¥])"), "at least "),
    (re.compile(r"(?<!\w)≤\s?(?=[\d$£€¥])"), "at most "),
    # Betting odds: "Leeds are 11/4 to win", "the 100/1 outsider", "odds of 5-1" (see `_odds`).
    (re.compile(r"(?<![\w/.,$£€])(\d{1,4})/(\d{1,3})\b(?![/\d]|[.,]\d)"), _slash_odds),
    # "10,000+ signatures", "aged 18+": the plus sign after a number is "plus".
    (re.compile(rf"(?<![\w.,+])({NUMBER})\+(?![\w+])"), lambda m: f"{cardinal(m.group(1))} plus"),
    # A signed change: "+1.4%" is "plus one point four percent".
    (re.compile(rf"(?<![\w+])\+(?=(?:{NUMBER})\s?(?:%|pc\b|percent|per cent))"), "plus "),
    # Batting averages: "hitting .312" is "three twelve", ".089" "oh eighty nine".
    (
        re.compile(r"\b((?:hit|hitting|batting|batted|bats|average of|averaging|average) )\.(\d{3})\b"),
        lambda m: (
            m.group(1) + ("oh " + cardinal(m.group(2)) if m.group(2)[0] == "0" else year_words(m.group(2)))
        ),
    ),
    # Points in league tables: "by 6 pts", "1 pt".
    (re.compile(r"(?<=\d)\s?(pts?)\b\.?"), lambda m: " point" if m.group(1) == "pt" else " points"),
    # "pc" and "pct" are per cent in business copy: "3.9pc", "1.5 pct".
    (re.compile(r"(?<=\d)\s?pct?\b"), "%"),
    # Tennis sets, before the dash rules read them as scores or ranges.
    (
        re.compile(
            r"(?<![\w-])[0-7]-[0-7](?:\s?\(\d+(?:-\d+)?\))?(?:(?:,\s?|\s)[0-7]-[0-7](?:\s?\(\d+(?:-\d+)?\))?)+"
            r"(?![\d-])"
        ),
        _tennis,
    ),
    # A currency named without an amount: "the C$ fell" is the Canadian dollar.
    (
        re.compile(r"(?<![A-Za-z])(US|A|C|NZ|HK|S)\$(?![\d\s]*\d)"),
        lambda m: _CURRENCIES[m.group(1) + "$"][0],
    ),
    # Money ranges and amounts, before "m" can be read as metres: "$1.5-2bn", "$10-$12", "£300m".
    (re.compile(rf"{_CURRENCY}{_AMOUNT}\s?([-–])\s?(?:\1)?{_AMOUNT}"), _money_range),
    (re.compile(rf"{_CURRENCY}{_AMOUNT}"), _money),
    (re.compile(rf"(?<![\w.,])(?!(?:480|720|1080|1440|2160)p)({NUMBER})(p|c)\b(?!\.\w)"), _pence),
    # Basis points: "25bps", "a 50bp cut".
    (re.compile(r"\b(\d+(?:\.\d+)?)\s?(?:bps|bp|bpts|basis points?)\b"), _basis_points),
    # Temperatures: "-40C" keeps its minus, "1.5C" is degrees Celsius; ranges "20-25C".
    (
        re.compile(rf"({_MINUS})?(\d+(?:\.\d+)?)\s?°?\s?[-–]\s?({_MINUS})?(\d+(?:\.\d+)?)\s?°\s?([CF])\b"),
        _temperature_range,
    ),
    (
        re.compile(rf"({_MINUS})?(\d+(?:\.\d+)?)\s?[-–]({_MINUS})?(\d+(?:\.\d+)?)([CF])\b(?![\w'’&])"),
        _temperature_range,
    ),
    (re.compile(rf"({_MINUS})?(?<![\w.,])({NUMBER})\s?°\s?([CF])\b"), _temperature),
    (re.compile(rf"({_MINUS})?(?<![\w.,])({NUMBER})([CF])\b(?![\w'’&])"), _temperature),
    # Percent ranges: "4.25%-4.5%".
    (
        re.compile(rf"(?<![\w.,])({NUMBER})\s?%\s?[-–]\s?({NUMBER})\s?%"),
        lambda m: f"{m.group(1)} percent to {m.group(2)} percent",
    ),
    # Month and day ranges: "Jan. 1-Feb. 28", "28 June-2 July", "March 3-5", "3-5 March",
    # "May–September", "Monday-Friday", "Mon-Fri".
    (
        re.compile(rf"\b({MONTH})\s(\d{{1,2}})\s?[-–]\s?({MONTH})\s(\d{{1,2}})\b(?![\d:])"),
        lambda m: f"{_month(m.group(1))} {ordinal(m.group(2))} to {_month(m.group(3))} {ordinal(m.group(4))}",
    ),
    (
        re.compile(rf"\b(\d{{1,2}})\s({MONTH})\s?[-–]\s?(\d{{1,2}})\s({MONTH})(?=\W|$)"),
        lambda m: (
            f"{_the(m)}{ordinal(m.group(1))} of {_month(m.group(2))} to the {ordinal(m.group(3))} of "
            + _month(m.group(4))
        ),
    ),
    (
        re.compile(rf"\b({MONTH})\s(\d{{1,2}})\s?[-–]\s?(\d{{1,2}})\b(?![\d:])"),
        lambda m: f"{_month(m.group(1))} {ordinal(m.group(2))} to {ordinal(m.group(3))}",
    ),
    (
        re.compile(rf"\b(\d{{1,2}})\s?[-–]\s?(\d{{1,2}})\s({MONTH})(?=\W|$)"),
        lambda m: f"{_the(m)}{ordinal(m.group(1))} to the {ordinal(m.group(2))} of {_month(m.group(3))}",
    ),
    (re.compile(rf"\b({MONTH})\s?[-–]\s?(?=(?:{MONTH})(?:\W|$))"), lambda m: f"{_month(m.group(1))} to "),
    (
        re.compile(rf"\b({_DAY})\.?\s?[-–]\s?({_DAY})\b"),
        lambda m: f"{WEEKDAYS[m.group(1)]} to {WEEKDAYS[m.group(2)]}",
    ),
    # Clock time ranges: "9am-5pm", "10:00-11:30am", "6am-midnight".
    (
        re.compile(
            r"\b(\d{1,2}(?:[:.]\d\d)?\s?(?:[ap]\.?m\.?)?)\s?[-–]\s?(?=\d{1,2}(?:[:.]\d\d)?\s?[ap]\.?m\b)"
        ),
        r"\1 to ",
    ),
    (re.compile(r"\b(\d{1,2}(?:[:.]\d\d)?\s?[ap]\.?m\.?)\s?[-–]\s?(?=(?:midnight|noon)\b)"), r"\1 to "),
    # US dates: "12/25" is December 25th (a day over 12, or after "on", "by", "until").
    (re.compile(r"(?<![\d/.])(1[0-2]|0?[1-9])/(1[3-9]|2\d|3[01])\b(?![/\d])"), _us_date),
    (
        re.compile(rf"\b((?i:{_DATE_WORDS}),? )(1[0-2]|0?[1-9])/(3[01]|[12]\d|0?[1-9])\b(?![/\d])"),
        _dated,
    ),
    # Cricket totals with a slash: "312/4".
    (re.compile(r"(?<![\d/.])(\d{2,3})/(10|[0-9])\b(?![/\d])"), _cricket_slash),
    # Dashes between two numbers: ranges, scores, votes and cricket totals (see `_pair`).
    (
        re.compile(
            rf"(?<![\w.,/$£€¥-])({NUMBER})\s?[-–]\s?({NUMBER})(?![\d/]|\.\d|[-–]\d|st\b|nd\b|rd\b|th\b)"
        ),
        _pair,
    ),
    # "4x100m relay" is "four by one hundred metres"; "2x" and "10x" are times.
    (re.compile(r"\b(\d)\s?[x×]\s?(\d+)\s?m\b"), _relay),
    (re.compile(r"\b(\d+)\s?[x×]\s?(?=\d)"), lambda m: f"{cardinal(m.group(1))} by "),
    (re.compile(r"\b(\d+(?:\.\d+)?)[xX×](?!\w)"), lambda m: f"{cardinal(m.group(1))} times"),
    # Heights: "5ft 11in", "6ft 2in", "5'11".
    (re.compile(r"\b(\d)\s?(?:ft|foot|feet)\s?(\d{1,2})\s?(?:in|ins|inches)?(?!\w)"), _feet_inches),
    (re.compile(r"\b(\d)['’](\d{1,2})\b[\"”]?"), _feet_inches),
    # "sq" is square before a unit in words ("10 sq miles"); a bare degree sign is degrees.
    (
        re.compile(
            r"(?<=\d )sq\.?(?= ?(?:miles?|metres?|meters?|feet|foot|kilometres?|kilometers?|yards?)\b)"
        ),
        "square",
    ),
    (
        re.compile(rf"(?<![\w.,])({NUMBER})\s?°(?!\s?[CFK]\b)"),
        lambda m: f"{cardinal(m.group(1))} degree" + ("" if _qualifies_noun(m) or m.group(1) == "1" else "s"),
    ),
    # Units said in full, singular before a noun ("a 300MW plant"): kWh, GB, sq m, km/h...
    (re.compile(rf"(?<![\w.,])({NUMBER})[\s-]?({_UNIT})(?![\w²³/])"), _unit),
    # "a 48MP camera" (written onto the number; "650 MPs" are members of parliament).
    (re.compile(rf"(?<![\w.,])({NUMBER})(MP)\b(?![’'])"), _unit),
    # "in" written onto a number is inches ("4-6in of rain"), never the preposition.
    (re.compile(rf"(?<![\w.,])({NUMBER})(in)\b(?!['’])"), _unit),
    # Scale words: "1.8m barrels" is million; "the 100m final" and "1.5m-tall" are metres.
    (re.compile(rf"(?<![\w.,])({NUMBER})\s?(bn|mn|mln|tn|trn|k|K|m|b)\b(?![’'])"), _scaled),
    # A unit after a scale word or "per": "1.1m bpd", "24.5p per kWh", "£25/m2".
    (
        re.compile(rf"\b(thousand|million|billion|trillion) ({_UNIT})(?![\w²³/])"),
        lambda m: f"{m.group(1)} {_UNITS[m.group(2)][1]}",
    ),
    (re.compile(rf"(?:\s?/\s?|\bper\s)({_UNIT})(?![\w²³/])"), lambda m: f" per {_UNITS[m.group(1)][0]}"),
    # A number before a unit in words, with NeMo's "and" ("250 metres" can lose it in NeMo).
    (
        re.compile(
            rf"(?<![\w.,])({NUMBER}) (?=(?:metres|meters|kilometres|kilometers|miles|feet|yards|inches|"
            r"tonnes|tons|kilograms|kilos|litres|liters|gallons|barrels|acres|hectares)\b)"
        ),
        lambda m: cardinal(m.group(1)) + " ",
    ),
    # Counts in compounds: "a 1,000-page report" is "one thousand page", not digits.
    (re.compile(rf"(?<![\w.,-])({NUMBER})-(?=[a-z])"), lambda m: f"{cardinal(m.group(1))} "),
]

BEFORE_TN: list[Rule] = [
    (pattern, replacement if isinstance(replacement, str) else _safe(replacement))
    for pattern, replacement in _RULES
]
"""Number shorthand rules, applied in order before NeMo."""
