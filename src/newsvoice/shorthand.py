"""Word shorthand of the news, said the way a newsreader says it.

The rules here turn written shorthand that is not about quantities into words before NeMo
sees the text: party and state after a lawmaker's name ("(D-Calif.)": "Democrat of
California"), titles, "Jr." and "Mt.", "St." as Saint or Street, "aka", "est.", symbols
("AT&T", "he/she", "#MeToo", "@handle", e-mail and web addresses, asterisks), editorial
brackets ("(sic)", "[laughs]", "He [Biden] said"), tech and science names ("mRNA", "pH",
"COP29", "Boeing 737", "version 2.10.3") and market shorthand ("FTSE", "p/e", "FY2024",
"y/y"). `normalization` composes `BEFORE_TN` into its own rules, and adds
`WORD_ACRONYMS` to the acronyms it says as words. Each rule is a line in a table below,
with the reason it exists. Numbers, money, units, dates and scores are `numerals`' rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from .numerals import digits, integer_words, plural, year_words

Rule = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]

# Acronyms said as words (added to normalization's list): market indexes and names.
WORD_ACRONYMS = frozenset("COP CAC DAX KOSPI NASDAQ IBEX TOPIX HIMARS STOXX VIX".split())

# Letters spelled one by one; a lone "A" before a word is read by espeak as the article.
_LETTER = {"A": "[[ˈeɪ]]"}

_TITLES = {
    "Dr": "Doctor", "Mr": "Mister", "Mrs": "Missus", "Ms": "Miz", "Gen": "General", "Gens": "Generals",
    "Sen": "Senator", "Sens": "Senators", "Rep": "Representative", "Reps": "Representatives",
    "Prof": "Professor", "Gov": "Governor", "Govs": "Governors", "Lt": "Lieutenant", "Col": "Colonel",
    "Capt": "Captain", "Sgt": "Sergeant", "Supt": "Superintendent", "Insp": "Inspector", "Det": "Detective",
    "Rev": "Reverend", "Pres": "President", "Atty": "Attorney", "Adm": "Admiral", "Maj": "Major",
    "Brig": "Brigadier", "Cmdr": "Commander", "Cpl": "Corporal", "Pvt": "Private", "Fr": "Father",
    "Msgr": "Monsignor", "Amb": "Ambassador", "Asst": "Assistant", "Cllr": "Councillor", "Spc": "Specialist",
    "Rt": "Right",
}  # fmt: skip
# Shorthand after a period only, where it cannot be an ordinary word.
_DOTTED = {
    "incl": "including", "excl": "excluding", "esp": "especially", "Assn": "Association",
    "Univ": "University", "Intl": "International", "Natl": "National", "Govt": "Government",
    "govt": "government", "Dist": "District",
}  # fmt: skip
_SHORT = {"int": "nternational", "nat": "ational"}
_NUMBERED = {"Art": "Article", "Sec": "Section", "Para": "Paragraph"}
_STREETS = {"Ave": "Avenue", "Blvd": "Boulevard", "Rd": "Road", "Hwy": "Highway", "Pkwy": "Parkway",
            "Ln": "Lane", "Sq": "Square", "Dr": "Drive"}  # fmt: skip

_AP_STATES = {
    "Ala.": "Alabama", "Ariz.": "Arizona", "Ark.": "Arkansas", "Calif.": "California", "Cal.": "California",
    "Colo.": "Colorado", "Conn.": "Connecticut", "Del.": "Delaware", "Fla.": "Florida", "Ga.": "Georgia",
    "Ill.": "Illinois", "Ind.": "Indiana", "Kan.": "Kansas", "Kans.": "Kansas", "Ky.": "Kentucky",
    "La.": "Louisiana", "Md.": "Maryland", "Mass.": "Massachusetts", "Mich.": "Michigan",
    "Minn.": "Minnesota", "Miss.": "Mississippi", "Mo.": "Missouri", "Mont.": "Montana",
    "Neb.": "Nebraska", "Nebr.": "Nebraska", "Nev.": "Nevada", "N.H.": "New Hampshire",
    "N.J.": "New Jersey", "N.M.": "New Mexico", "N.Y.": "New York", "N.C.": "North Carolina",
    "N.D.": "North Dakota", "Okla.": "Oklahoma", "Ore.": "Oregon", "Oreg.": "Oregon",
    "Pa.": "Pennsylvania", "Penn.": "Pennsylvania", "R.I.": "Rhode Island", "S.C.": "South Carolina",
    "S.D.": "South Dakota", "Tenn.": "Tennessee", "Tex.": "Texas", "Vt.": "Vermont", "Va.": "Virginia",
    "Wash.": "Washington", "W.Va.": "West Virginia", "W.Va": "West Virginia", "Wis.": "Wisconsin",
    "Wisc.": "Wisconsin", "Wyo.": "Wyoming", "P.R.": "Puerto Rico", "D.C.": "the District of Columbia",
}  # fmt: skip
_POSTAL_STATES = dict(
    zip(
        "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM "
        "NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR".split(),
        "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|"
        "Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|"
        "Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|"
        "New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|"
        "South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|"
        "Wisconsin|Wyoming|the District of Columbia|Puerto Rico".split("|"),
        strict=True,
    )
)
_STATE_NAMES = {name: name for name in _POSTAL_STATES.values() if not name.startswith("the ")}
# Units, never alternatives, on either side of a slash ("mg/dl", "kg/ha").
_UNITS = frozenset(
    "km kg mg ml mi ft lb lbs oz kwh mwh gwh cm mm nm dl ha yr mo wk hr min sec mph ms".split()
)
_PARTIES = {"D": "Democrat", "R": "Republican", "I": "Independent"}

# Words a capitalized word before "St" can be without naming a street ("In St. Louis").
_NOT_STREETS = frozenset(
    "The A An In At On Of To From For By And Or But With Near Into Outside Inside Via Visit Visited "
    "Mount Mt Port Fort Ft Lake Cape Sault Basilica Cathedral Church Chapel Abbey Priory College "
    "University School Hospital Feast Day Pope Saint Sainte I He She It We They".split()
)
_SAINTS = frozenset(
    "Paul Peter Louis Petersburg Andrew Andrews John Johns James Mary Marys Patrick Patricks George "
    "Georges Helens Helena Helier Lucia Lucie Kitts Vincent Martin Martins Thomas Albans Ives Moritz "
    "Tropez Pancras Mark Marks Luke Lukes Matthew Francis Augustine Joseph Josephs Anne Annes Catherine "
    "Catharines Lawrence Nicholas David Davids Michael Michaels Stephen Stephens Pierre Etienne Denis "
    "Gallen Cloud Kilda Bartholomew Barts Giles Edmunds Neots Austell Asaph Mirren Leonards Cuthbert "
    "Columba Bride Brigid Kevin Jude Basil Sophia Gotthard Germain Raphael Anthony Benedict Brendan "
    "Clement Dominic Edward Gabriel Ignatius Jerome Joan Lucy Margaret Mungo Oswald Philip Sebastian "
    "Simon Teresa Valentine Vitus Blaise Clair Agnes Aidan Alban Ambrose Bernard Christopher Finbarr "
    "Elizabeth Kilian Charles Augustin Hilda Columb Olave Olaf Ann Clements Mawgan Just Erth Day".split()
)
_COUNTIES = frozenset(
    "Antrim Armagh Down Fermanagh Londonderry Derry Tyrone Carlow Cavan Clare Cork Donegal Dublin "
    "Galway Kerry Kildare Kilkenny Laois Leitrim Limerick Longford Louth Mayo Meath Monaghan Offaly "
    "Roscommon Sligo Tipperary Waterford Westmeath Wexford Wicklow Durham".split()
)
# Top-level and common second-level domains, and how each is said.
_DOMAIN_WORDS = frozenset("com org net gov co int mil biz info news app dev online shop".split())
_TLDS = (
    "com|org|net|gov|edu|mil|int|io|ai|uk|eu|info|news|tv|app|dev|biz|ie|de|fr|ca|au|nz|jp|cn|ru|nl|"
    "ly|ch|es|it|us|in|me|co|online|shop"
)
# Top-level domains that are also English words: a web address only with https:// or www.
_WORDLIKE_TLDS = frozenset("it us in me co".split())
_FUNCTION_WORDS = frozenset(
    "The He She It They We I A An But And In On At His Her Its Their This That".split()
)


def spell(letters: str) -> str:
    """LETTERS said one by one ("P H D"); an "A" as the letter, not the article."""
    return " ".join(_LETTER.get(char, char) for char in letters.upper())


def _plural_letters(spelled: str) -> str:
    """Spelled letters in the plural: "Q and A" is "Q and As", its "A" a plural phoneme."""
    return spelled[:-2] + "z]]" if spelled.endswith("]]") else spelled + "s"


def paired(digits: str) -> str:
    """A model or flight number in pairs, as it is said: "737" is "seven thirty seven",
    "707" "seven oh seven", "300" "three hundred", "4090" "forty ninety"."""
    if len(digits) == 3 and digits[0] != "0":
        head, rest = integer_words(int(digits[0])), int(digits[1:])
        if rest == 0:
            return f"{head} hundred"
        return f"{head} oh {integer_words(rest)}" if digits[1] == "0" else f"{head} {integer_words(rest)}"
    if len(digits) == 4 and digits[0] != "0":
        return year_words(digits)
    return (
        " ".join(integer_words(int(digit)) for digit in digits)
        if digits.startswith("0")
        else integer_words(int(digits))
    )


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


def _party(match: re.Match[str]) -> str:
    party, state = match.group(1), match.group(2)
    name = _AP_STATES.get(state) or _POSTAL_STATES.get(state) or _STATE_NAMES[state]
    return f"{_PARTIES[party]} of {name}"


def _saint_or_street(match: re.Match[str]) -> str:
    """ "St." is Street after a street's name ("Baker St.", "Downing St said"), Saint before
    a name ("St. Paul's", "In St. Louis", "Mt. St. Helens")."""
    text = match.string
    before = re.search(r"([\w'’]+)\W*$", text[: match.start()])
    after = re.match(r"\s+([A-Z][\w]*)", text[match.end() :])
    previous = before.group(1) if before else ""
    following = after.group(1) if after else ""
    street_name = (previous[:1].isupper() and previous not in _NOT_STREETS) or bool(
        re.fullmatch(r"\d+(?:st|nd|rd|th)?", previous)
    )
    if following and (following in _SAINTS or following.removesuffix("s") in _SAINTS or not street_name):
        return "Saint"
    return "Street" + _kept_stop(match)


def _kept_stop(match: re.Match[str]) -> str:
    """The period of a shorthand that also ends its sentence ("... King Jr. He said")."""
    if not match.group(0).endswith("."):
        return ""
    rest = match.string[match.end() :]
    if not rest.strip() or re.match(rf"\s+(?:{'|'.join(_FUNCTION_WORDS)})\b", rest):
        return "."
    return ""


def _county_or_company(match: re.Match[str]) -> str:
    """ "Co. Cork" is County Cork; "Ford Motor Co." is the Ford Motor Company."""
    following = re.match(r"\s+([A-Z]\w*)", match.string[match.end() :])
    if following and following.group(1) in _COUNTIES:
        return "County"
    return "Company" + _kept_stop(match)


def _domain(host: str) -> str:
    """A host name said label by label: "bbc.co.uk" is "B B C dot co dot U K"."""
    labels = []
    for label in host.split("."):
        bare = label.lower()
        if bare in _DOMAIN_WORDS:
            labels.append(bare)
        elif len(label) <= 3 or not re.search(r"[aeiouy]", bare):
            labels.append(spell(label))
        else:
            labels.append(label.replace("-", " "))
    return " dot ".join(labels)


def _address(match: re.Match[str]) -> str:
    scheme, www, host, path = (
        match.group("scheme"),
        match.group("www"),
        match.group("host"),
        match.group("path"),
    )
    tld = host.rsplit(".", 1)[-1]
    if tld in _WORDLIKE_TLDS and not (scheme or www) and not re.search(r"\.(?:co|com|gov|org)\.\w+$", host):
        return match.group(0)
    spoken = _domain(host)
    for part in (part for part in (path or "").split("/") if part):
        if not re.fullmatch(r"[A-Za-z]+(?:[-_][A-Za-z]+)*", part):  # an article's id or file: not read
            break
        spoken += " slash " + re.sub(r"[-_]+", " ", part)
    return spoken


def _email(match: re.Match[str]) -> str:
    local = re.sub(r"\.", " dot ", match.group(1))
    local = local.replace("_", " underscore ").replace("-", " dash ")
    return f"{local} at {_domain(match.group(2))}"


def _words_of(tag: str) -> str:
    """A hashtag or handle in words: "BlackLivesMatter" is "Black Lives Matter"."""
    tag = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", tag)
    tag = re.sub(r"(?<=[A-Za-z])((?:19|20)\d\d)\b", lambda m: f" {year_words(m.group(1))}", tag)
    return tag.replace("_", " underscore ").strip()


def _vote(match: re.Match[str]) -> str:
    return f"{match.group(1)}{match.group(2)} to {match.group(3)}"


def _aircraft(match: re.Match[str]) -> str:
    maker, model, variant, context = match.group(1) or "", match.group(2), match.group(3), match.group(4)
    if not maker and context is None:  # a number, not a jet
        return match.group(0)
    return f"{maker}{paired(model)}" + (f" {paired(variant)}" if variant else "")


def _version(number: str) -> str:
    """A version's parts said one by one: "2.10.3" is "two point ten point three", "1.05" "one
    point oh five"."""
    return " point ".join(
        digits(part) if part.startswith("0") and len(part) > 1 else integer_words(int(part))
        for part in number.split(".")
    )


def _bare_version(match: re.Match[str]) -> str:
    """Three numbers joined by points are a version, unless they can be a date ("12.03.24")."""
    first, second, third = match.group(0).split(".")
    if int(first) <= 31 and 1 <= int(second) <= 12 and len(third) == 2:
        return match.group(0)
    return _version(match.group(0))


_SOFTWARE = (
    r"Python|Java|Ruby|PHP|Perl|Kotlin|Swift|Node|Linux|Android|iOS|iPadOS|macOS|watchOS|Firefox|Chrome|"
    r"Safari|Windows|Ubuntu|Debian|Django|Kubernetes|[Vv]ersion"
)


# What a transcript notes in square brackets besides the words said.
_SOUNDS = (
    r"laughs|laughing|laughter|chuckles|chuckling|applause|claps|clapping|cheers|cheering|boos|booing|"
    r"jeers|jeering|inaudible|unintelligible|indistinct|crosstalk|cross-talk|pause|pauses|sighs|coughs|"
    r"gasps|sobs|sobbing|crying|silence|music|noise|laugh|cheer|applaud"
)
# ... and who made it, and how: "[both laugh]", "[laughs nervously]", "[inaudible 00:12:03]".
_SOUND_NOTE = (
    rf"\[(?:(?:both|all|audience|crowd|he|she|they)\s)?(?:{_SOUNDS})"
    rf"(?:\s(?:and\s(?:{_SOUNDS})|[a-z]+ly|[\d:]+))*\]"
)
_PRONOUNS = r"he|she|they|it|we|you|I|him|her|them|us"
# Who a pronoun means is a name or a noun with its determiner ("[Biden]", "[the bill]"), not a
# missing little word ("him [to] go").
_DETERMINERS = r"the|a|an|this|that|these|those|his|her|their|its|our|my|your"


def _gap(match: re.Match[str]) -> str:
    """A pause where a sound or gap was noted, unless punctuation after it pauses already."""
    return " " if re.match(r"[.,;:!?]|$", match.string[match.end() :]) else ", "


def _aside(match: re.Match[str]) -> str:
    """ "He [Biden] said" is "He, Biden, said": who the pronoun means, as an aside (the second
    pause only where words follow, so a sentence keeps its full stop)."""
    pronoun, added = match.groups()
    words_follow = re.match(r"\s*\w", match.string[match.end() :])
    return f"{pronoun}, {added}" + ("," if words_follow else "")


_STATE = _alternation([*_AP_STATES, *_POSTAL_STATES, *_STATE_NAMES])
# Not after a city: "Washington, D.C." keeps its letters.
_AP_STATE = _alternation(set(_AP_STATES) - {"P.R.", "D.C."})
_VOTE_VERBS = r"voted|ruled|passed|approved|rejected|confirmed|defeated|decided|elected|vote|tally|margin"
_VOTE_NOUNS = r"vote|votes|ruling|decision|majority|verdict|margin|tally|split|electoral"

BEFORE_TN: list[Rule] = [
    # Chemical formulas with subscripts: "CO₂" is CO2.
    (re.compile("[₀-₉]"), lambda m: str(ord(m.group(0)) - ord("₀"))),
    # Spaced periods (". . .") and a doubled hyphen between words are pauses, like "…" and "—".
    (re.compile(r"\s*\.(?:\s\.){2,}\s*"), ", "),
    (re.compile(r"(?<=[A-Za-z])\s*--\s*(?=[A-Za-z])"), ", "),
    # Editorial brackets. "(sic)" marks a quoted mistake, and "[3]" after a word a footnote: for
    # the reader's eye, never read. A transcript's note of a sound or a gap ("[laughs]",
    # "[inaudible]") is no word of the speaker's: a pause where it stood. Words an editor adds
    # after a pronoun to say who is meant ("He [Biden] said") are an aside, with a pause either
    # side; other added words are read as the quote ("to win [the election]", "told him [to]
    # go"). (A cut, "[…]", is an ellipsis: a pause, as typography.)
    (re.compile(r"\s*[\[(]sic[\])]", re.IGNORECASE), ""),
    (re.compile(r"(?<=[^\W\d]|[.,;:!?\"'”’)])\[\d{1,3}\]"), ""),
    (re.compile(rf"\s*(?<!\[){_SOUND_NOTE}(?!\])\s*", re.IGNORECASE), _gap),
    (re.compile(rf"\b((?i:{_PRONOUNS}))\s+\[((?:[A-Z]|(?:{_DETERMINERS})\s+\w)[^\[\]]*)\](?!\])"), _aside),
    # A rating in stars: "a 5* hotel" is "a five star hotel".
    (re.compile(r"\b([1-5])\s?\*(?=-?\s?[a-z])"), r"\1 star"),
    # A batter's score with an asterisk after the name is not out: "(Root 120*)".
    (re.compile(r"\b([A-Z][a-z]+ )(\d{1,3})\*(?=[),;]|\s|$)"), r"\1\2 not out"),
    # Asterisks are emphasis, footnotes or a masked swear word: never read as "asterisk".
    (re.compile(r"\*\*([^*\n]+)\*\*"), r"\1"),
    (re.compile(r"\b[A-Za-z]+\*{2,}[A-Za-z]*"), "expletive"),
    (re.compile(r"\*+"), ""),
    # Trademark signs are typography.
    (re.compile(r"[®™]"), ""),
    # E-mail and web addresses, label by label, without "https://" or "www".
    (re.compile(rf"\b([\w.+-]+)@((?:[A-Za-z0-9-]+\.)+(?:{_TLDS}))\b"), _email),
    (
        re.compile(
            rf"(?<![\w@./])(?P<scheme>https?://)?(?P<www>www\.)?"
            rf"(?P<host>(?:[A-Za-z0-9-]+\.)+(?:{_TLDS}))\b(?![\w-])(?P<path>(?:/[\w~%-]+(?:\.[\w~%-]+)*)*/?)(?:[?#]\S*)?"
        ),
        _address,
    ),
    (re.compile(r"https?://"), ""),
    # Handles and hashtags: "@BBCNews" is "at BBC News", "#MeToo" is "hashtag Me Too".
    (re.compile(r"(?<![\w@])@([A-Za-z_]\w*)"), lambda m: f"at {_words_of(m.group(1))}"),
    (re.compile(r"(?<![\w#&])#([A-Za-z]\w*)"), lambda m: f"hashtag {_words_of(m.group(1))}"),
    # "Prop. 50" is Proposition 50; "Art. 5", "Sec. 230" and "Para. 4" are said in full.
    (re.compile(r"\bProp\b\.?(?=\s?\d)"), "Proposition"),
    (re.compile(r"\b(Art|Sec|Para)\.\s?(?=\d)"), lambda m: _NUMBERED[m.group(1)] + " "),
    # Overtime after a score or in it: "a 4-3 OT win", "won in OT".
    (
        re.compile(r"(?<=\d )OT\b|(?<=\bin )OT\b|\bOT(?= (?:win|victory|loss|defeat|winner|thriller)\b)"),
        "overtime",
    ),
    # "#1" is number one.
    (re.compile(r"(?<![\w&])#\s?(?=\d)"), "number "),
    # A lawmaker's party and state: "(D-Calif.)" is "Democrat of California".
    (re.compile(rf"(?<![\w-])([DRI])-({_STATE})(?![\w-])"), _party),
    # "(D)" after a name, first and last: "Sen. John Fetterman (D)".
    (
        re.compile(r"\b([A-Z][A-Za-z'’.-]* [A-Z][A-Za-z'’-]*[a-z]) \(([DRI])\)"),
        lambda m: f"{m.group(1)} ({_PARTIES[m.group(2)]})",
    ),
    # A state after a place in AP style: "Springfield, Ill." is Illinois; "a Calif.-based firm".
    (re.compile(rf"(?<=[a-z], )({_AP_STATE})(?=[\s,;)]|$)"), lambda m: _AP_STATES[m.group(1)]),
    (re.compile(rf"(?<![\w.])({_AP_STATE})(?=-[a-z])"), lambda m: _AP_STATES[m.group(1)]),
    # A retired officer: "Gen. Mark Milley (ret.)", "Ret. Gen. David Petraeus".
    (re.compile(r"\((?:ret|Ret)\.?\)"), "(retired)"),
    (re.compile(r"\bRet\.?(?=\s+[A-Z])"), "Retired"),
    # Titles before a name, with or without the period; "Gen Z" is a generation.
    (
        re.compile(rf"\b({_alternation(_TITLES)})\.?(?=\s+[A-Z])(?!\s+(?:[XYZ]|Alpha|AI)\b)"),
        lambda m: _TITLES[m.group(1)],
    ),
    # "Del." before a name is a delegate to Congress ("Del. Eleanor Holmes Norton"); "Del Monte" a name.
    (re.compile(r"\bDel\.(?=\s+[A-Z][a-z])"), "Delegate"),
    # "Hon." (with its period, or after "Right" or "the") is Honourable; "Hon Hai" is a company.
    (re.compile(r"\bHon\.(?=\s+[A-Z])|(?<=Right )Hon\b|(?<=[Tt]he )Hon\b(?=\s+[A-Z])"), "Honourable"),
    # "Jr." and "Sr." after a name are Junior and Senior.
    (
        re.compile(r"(?<=[A-Za-z.])(,?)\s+(Jr|Sr)\b\.?"),
        lambda m: f"{m.group(1)} {'Junior' if m.group(2) == 'Jr' else 'Senior'}{_kept_stop(m)}",
    ),
    # "Mt." and "Ft." before a name: Mount Everest, Fort Bragg ("ft" in lower case is feet).
    (re.compile(r"\bMt\b\.?(?=\s+[A-Z])"), "Mount"),
    (re.compile(r"\bFt\b\.?(?=\s+[A-Z])"), "Fort"),
    (re.compile(r"\bSte\b\.?(?=\s+[A-Z])"), "Sainte"),
    # "St." is Saint or Street by the words around it.
    (re.compile(r"\bSt\b\.?"), _saint_or_street),
    # Street types after a street's name ("Pennsylvania Ave.", "Sunset Blvd.", "Mulholland Dr.").
    (
        re.compile(rf"(?<=[a-z\d] )({_alternation(_STREETS)})\b\.?(?!\s+[A-Z][a-z])"),
        lambda m: _STREETS[m.group(1)] + _kept_stop(m),
    ),
    # "Co." is County before an Irish county, Company after a name; "& Co." too.
    (re.compile(r"&\s*Co\b\.?"), lambda m: "and " + _county_or_company(m)),
    (re.compile(r"(?<=[A-Za-z] )Co\b\.|\bCo\b\.(?=\s+[A-Z])"), _county_or_company),
    (re.compile(rf"\bCo\b(?=\s+(?:{'|'.join(_COUNTIES)})\b)"), "County"),
    # Degrees: "Ph.D." and "PhD" are spelled.
    (re.compile(r"\bPh\.?\s?D(\.?)(s?)(?![A-Za-z])"), lambda m: "P H D" + m.group(2)),
    # "aka" is "also known as".
    (re.compile(r"\b(?:a\.k\.a\b\.?|aka\b|AKA\b|A\.K\.A\b\.?)"), "also known as"),
    # "est." before a founding year is established; before an amount, estimated.
    (
        re.compile(r"\b([Ee])st\.(?=\s*(?:in\s+)?(?:1[5-9]\d\d|20[0-2]\d)\b(?![,.]?\d)(?!\s+[a-z]))"),
        lambda m: "Established" if m.group(1) == "E" else "established",
    ),
    (re.compile(r"\b([Ee])st\.(?=\s)"), lambda m: "Estimated" if m.group(1) == "E" else "estimated"),
    # "c. 1450" and "ca. 1450" are circa.
    (re.compile(r"(?<![\w.])ca?\.\s?(?=\d{3,4}s?\b)"), "circa "),
    # Shorthand with a period that cannot be an ordinary word ("incl.", "Univ.").
    (re.compile(rf"\b({_alternation(_DOTTED)})\."), lambda m: _DOTTED[m.group(1)]),
    (re.compile(r"\bgov['’]t\b", re.IGNORECASE), lambda m: m.group(0)[0] + "overnment"),
    (re.compile(r"\b(int|nat)['’]l\b", re.IGNORECASE), lambda m: m.group(0)[0] + _SHORT[m.group(1).lower()]),
    # Initials joined by "&" are spelled with "and": "AT&T", "M&S", "R&D", "S&P", "Q&A".
    (
        re.compile(r"\b([A-Z]{1,3})&([A-Z]{1,3})(s?)\b"),
        lambda m: f"{spell(m.group(1))} and {(_plural_letters if m.group(3) else str)(spell(m.group(2)))}",
    ),
    # Market ratios and changes: "p/e" is P E; "y/y" and "YoY" year on year.
    (re.compile(r"\b[pP]/[eE]\b"), "P E"),
    (re.compile(r"\b(?:y/y|Y/Y|YoY|yoy)\b"), "year on year"),
    (re.compile(r"\b(?:q/q|Q/Q|QoQ|qoq)\b"), "quarter on quarter"),
    (re.compile(r"\b(?:m/m|M/M|MoM)\b"), "month on month"),
    (re.compile(r"\b(?:w/w|W/W|WoW)\b"), "week on week"),
    (re.compile(r"\bw/o\b"), "without"),
    (re.compile(r"\bw/(?=\s)"), "with"),
    (re.compile(r"\b[nN]/[aA]\b"), "not applicable"),
    # Words joined by a slash are alternatives: "he/she" is "he or she", "and/or" "and or".
    (re.compile(r"\band/or\b"), "and or"),
    (
        re.compile(r"(?<![\w./-])[a-z]{2,}(?:/[a-z]{2,})+\b(?![/-])"),
        lambda m: m.group(0) if set(m.group(0).split("/")) & _UNITS else " or ".join(m.group(0).split("/")),
    ),
    # Generations and codes joined by a slash are alternatives: "4G/5G" is "4G or 5G".
    (re.compile(r"\b(\d[A-Z])/(?=\d[A-Z]\b)"), r"\1 or "),
    # Names joined by a slash in capitals ("S&P/ASX 200", "US/China", "MIT/Harvard"): read as a pair.
    (re.compile(r"(?<=[A-Z])/(?=[A-Z](?:[A-Z]|[a-z]+\b))"), " "),
    # A fiscal year: "FY2024" is "fiscal year twenty twenty four".
    (
        re.compile(r"\bFY\s?'?((?:19|20)\d\d|\d\d)(?:[/-](\d\d))?\b(?![/-]\d)"),
        lambda m: (
            f"{'F' if m.start() == 0 else 'f'}iscal year {year_words(m.group(1))}"
            + (f" to {year_words(m.group(2))}" if m.group(2) else "")
        ),
    ),
    # A span of quarters: "Q1-Q3" is "Q1 to Q3".
    (re.compile(r"\b([QH][1-4])[-–]([QH][1-4])\b"), r"\1 to \2"),
    # A quarter or half with its year: "Q3'24" is "Q3 24".
    (re.compile(r"\b([QH][1-4])\s?['’](\d\d)\b"), r"\1 \2"),
    # Votes and rulings are read with "to": "voted 52-48", "a 6-3 decision", "Electoral College 270-268".
    (
        re.compile(rf"\b((?:{_VOTE_VERBS})\s+(?:[a-z]+\s+){{0,3}})(\d{{1,3}})-(\d{{1,3}})\b(?!-)"),
        _vote,
    ),
    (re.compile(rf"\b()(\d{{1,3}})-(\d{{1,3}})(?=\s+(?:[a-z]+\s+)?(?:{_VOTE_NOUNS})\b)"), _vote),
    (re.compile(r"\b(Electoral College\s+(?:by\s+)?)(\d{1,3})-(\d{1,3})\b"), _vote),
    # Acronyms said as words keep that with a number: "COP29" is "Cop twenty nine".
    (
        re.compile(rf"\b({'|'.join(sorted(WORD_ACRONYMS | {'COVID'}))})-?(\d{{1,3}})\b"),
        lambda m: f"{m.group(1).capitalize()} {m.group(2)}",
    ),
    # A software version's parts are numbers, not decimals: "Python 3.12" is "three point twelve",
    # "version 2.10.3" and "v2.10.3" "version two point ten point three", and so is a bare
    # "17.4.1" (three parts, never a date such as "12.03.24").
    (re.compile(r"\bv(?=\d+(?:\.\d+)+\b)"), "version "),
    (
        re.compile(rf"\b({_SOFTWARE})\s(\d+(?:\.\d+)+)\b(?![.,]\d|%)"),
        lambda m: f"{m.group(1)} {_version(m.group(2))}",
    ),
    (re.compile(r"(?<![\w.,])\d{1,3}\.\d{1,3}\.\d{1,3}\b(?![.,]\d|%)"), _bare_version),
    # A lower-case letter before capitals is spelled with them: "mRNA", "iOS"; "pH" too.
    (re.compile(r"\b([a-z])([A-Z]{2,5})(s?)\b"), lambda m: f"{m.group(1)} {spell(m.group(2))}{m.group(3)}"),
    (re.compile(r"\bpH\b"), "P H"),
    # Operating systems: "macOS" is "mac O S".
    (re.compile(r"\b([a-z][A-Za-z]*?[a-z])OS\b"), r"\1 O S"),
    # Graphics cards in pairs: "RTX 5090" is "RTX fifty ninety".
    (re.compile(r"\b(RTX|GTX|RX)\s?(\d{4})\b"), lambda m: f"{m.group(1)} {paired(m.group(2))}"),
    # Aircraft and flight numbers in pairs: "Boeing 737" is "seven thirty seven", "A320" "A three twenty".
    (
        re.compile(
            r"\b(Boeing\s+)?(7[0-8]7)(?:-(\d{1,3}))?\b"
            r"(?=((?:-\d+)?\s*(?:Max|MAX|Dreamliner|jets?|jetliners?|aircraft|planes?|airliners?|freighters?)\b|s\b)?)"
        ),
        _aircraft,
    ),
    (
        re.compile(r"\b([A-Z]{1,2})(\d{3})(neo|XLR|LR)?(s?)\b"),
        lambda m: (plural if m.group(4) else str)(
            f"{spell(m.group(1))} {paired(m.group(2))}" + (f" {m.group(3)}" if m.group(3) else "")
        ),
    ),
    # A legal or numbered name is said in pairs wherever it sits, a sentence's start included:
    # "Section 230" is "section two thirty", "Form 1040" "form ten forty", "Flight 370" "three seventy".
    (
        re.compile(
            r"\b((?i:s)ection|(?i:a)rticle|(?i:r)ule|(?i:r)oute|(?i:h)ighway|(?i:i)nterstate|(?i:f)light|"
            r"(?i:f)orm|(?i:r)esolution|(?i:p)roposition)\s([1-9]\d{2,3})\b(?![,.]\d|[-/%:])"
        ),
        lambda m: f"{m.group(1)} {paired(m.group(2))}",
    ),
    # A model, route or section number after its name is said in pairs: "the Xbox 360", "the
    # Porsche 911", "Highway 101", "Section 702"; not a count ("Australia 312 all out", "Trump 312 votes").
    (
        re.compile(
            r"(?<=[a-z] )([A-Z][a-z]+(?<!s) )([1-9]\d\d)\b"
            r"(?![,.]?\d|[-/%:]|\s*(?:percent|per cent)\b|\s+to\s+\d)"
            r"(?!\s+(?:all out|for|runs?|points?|votes?|seats?|electoral|people|men|women|children|staff)\b)"
            r"(?!\s+(?!(?:was|has|is|does)\b)[a-z]+s\b)"
        ),
        lambda m: m.group(1) + paired(m.group(2)),
    ),
    # A model in the plural: "F-16s" is "F sixteens".
    (
        re.compile(r"\b([A-Z]{1,3})-(\d{1,2})s\b"),
        lambda m: f"{m.group(1)} {plural(integer_words(int(m.group(2))))}",
    ),
    # Letters before a decimal are spelled: "PM2.5" is "P M 2.5".
    (re.compile(r"\b([A-Z]{1,3})(?=\d+\.\d)"), lambda m: spell(m.group(1)) + " "),
    # Letters written onto a short number are a code, spelled: "NO2", "the A38", "PS5".
    (re.compile(r"\b([A-Z]{1,3})(?=\d{1,3}\b)"), lambda m: spell(m.group(1)) + " "),
    # "Utd" in a club's name is United: "Man Utd", "Leeds Utd".
    (re.compile(r"\bUtd\b"), "United"),
    # The FTSE index is "Footsie".
    (re.compile(r"\bFTSE\b"), "Footsie"),
    # US congressional resolutions: "H.Res. 72" is "House Resolution seventy two".
    (
        re.compile(r"\b([HS])\.\s?(J\.\s?|Con\.\s?)?Res\.?(?=\s?\d)"),
        lambda m: (
            ("House " if m.group(1) == "H" else "Senate ")
            + {"": "", "J": "Joint ", "C": "Concurrent "}[(m.group(2) or " ")[0].strip()]
            + "Resolution"
        ),
    ),
]
