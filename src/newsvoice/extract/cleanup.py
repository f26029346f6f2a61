"""Audio-specific cleanup: what an extractor keeps for a reader but a listener must not hear.

Extractors keep what belongs to the article's column of the page. Inside that column sit
things that read well on screen and badly aloud: captions and photo credits, "Read more"
and "Related" links, newsletter and subscription prompts, share and comment prompts,
pull quotes that repeat the body, "Listen to this article" promos, the byline and the
date stamp (the intro reads the byline once). No library knows what is furniture to a
listener, so these are rules of our own: regular expressions over short blocks, and the
page's own cues (a block that is the text of a link is a link to another story).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from ..written import MONTH
from .words import SENTENCE_END, word_count

if TYPE_CHECKING:  # structure loads lxml, which a page saved as text never needs
    from .structure import Piece

# Blocks longer than these are prose, whatever words they contain.
_SHAPE_WORDS = 60
_PROMPT_WORDS = 35
# A "Related"/"Read more" label with a headline after it is no longer than this.
_RELATED_WORDS = 25
# A linked block longer than this that ends a sentence is a paragraph that happens to be a link.
_LINK_WORDS = 12
# A linked block of this many words that ends with a full stop is a sentence, not a headline
# (headlines end without one, or with a question mark).
_LINKED_SENTENCE_WORDS = 6
_FULL_STOP = re.compile(r"""[.!…。！]["'”’)」』）]?$""")
# The button after a quotable sentence ("… every day.Click To Tweet").
_TWEET_BUTTON = re.compile(r"\s*click\s*to\s*tweet\W*$", re.I)
# A blog comment's signature, and the post's own stamp before the comments (see `_without_comments`).
_SIGNATURE = re.compile(r"(?i:posted|written|submitted)\s+by\s*:")
_POST_STAMP = re.compile(r"(?i:posted|filed|written|published)\b(?!\s+by\s*:)")
_STAMP_WORDS = 25
# A post's particulars: its stamp and author, then the categories it is filed in, on one line
# that is not a sentence; in Chinese, a time stamp beside the words for source, posted or comments
# (in a line that does not end as a sentence does).
_POST_META = re.compile(
    r"""^\W*(?:posted|published|filed|written)\b(?:[^.!?]|\.(?=\s?\d)){0,80}?
        \b(?:in|under|tags?|categor(?:y|ies))\b(?:[^.!?]|\.(?=\s?\d))*$""",
    re.I | re.X,
)
_CJK_DATE_TIME = r"\d{4}[-/年]\d{1,2}[-/月]\d{1,2}日?\s*\d{1,2}:\d\d"
_CJK_STAMP_WORD = r"(?:评论|來源|来源|發表|发表|張貼|张贴|发布)"
_CJK_STAMP = re.compile(rf"{_CJK_DATE_TIME}.*{_CJK_STAMP_WORD}|{_CJK_STAMP_WORD}.*{_CJK_DATE_TIME}")
_META_WORDS = 40
# A heading of this many words that ends with a full stop, or holds two sentences, is a
# paragraph set as a heading.
_PROSE_HEADING_WORDS = 10
# What ends with a full stop without ending a sentence: a number ("1."), a short capitalized
# word ("Nov.", "Dr.").
_ABBREVIATION = re.compile(r"(?:\b[A-Z]\w{0,3}|\d+)\.$")

# Furniture in each language newsvoice reads, as phrases of three kinds: SHAPES are whole
# blocks (captions, credits, page tools), PROMPTS ask the reader to do something other than
# read, and RELATED labels introduce links to other stories. All languages apply to every
# page: the phrases are the site's own words and read as furniture in any article, and a
# page's declared language is often wrong (a site's template says "en" on its German pages).
_EN_SHAPES = r"""
      # captions and credits
        (?:photo|image|picture|video|graphic|illustration|file\ photo)s?(?:\ credits?)?\s*[:©|].*
      | (?:credits?|sources?|photography|citation)\s*:.*
      | (?:photos?|images?|pictures?)\ (?:by|from|courtesy\ of)\ .*
      | .*\((?:photo|image|picture)?\s*(?:credits?|photo|image)\s*:[^)]*\)\W*
      | (?:.*[(/.]|.*\bvia\ )?\s*(?:getty\ images|shutterstock|reuters|(?-i:AP|AFP|EPA)|alamy)
        (?:\ photo)?(?:\s*/[^()/]*)?\)?\W*
      | .*\b(?:photos?|images?|pictures?)\s*(?:©|\(c\)).* | ©.* | copyright\b.*
      | .*\ball\ rights\ reserved\b.* | .*\bsubject\ to\ copyright\b.*
      | (?:additional\ )?reporting\ by\ .* | (?:writing|editing|edited|compiled)\ by\ .*
      | .*\bcontributed\ (?:to\ )?(?:this\ )?report(?:ing)?\b.*
      # web addresses, handles, time stamps, unrendered WordPress shortcodes
      | (?:https?://|www\.)\S+ | \S+@\S+\.\w+ | @\w+ | (?:twitter|facebook|instagram)\.com/\S+
      | \d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d)? | .*\[/\w+\].*
      # advertising and page tools
      | (?:advertisement|advertising|advert|sponsored|promoted|paid\ (?:content|post|partnership))\b.* | ad
      | share(?:\ this)?(?:\ (?:article|story|page|on\ \w+|via\ \w+))? | (?:\d+\ )?comments?
      | (?:view|show|hide|read|see)(?:\ all)?(?:\ \d+)?\ comments? | comments?\ \(\d+\)
      | (?:order\ )?reprints?
      | print(?:\ this)?(?:\ (?:article|story|page))? | e-?mail(?:\ this)?(?:\ (?:article|story))?
      | save(?:\ for\ later)? | text\ size | font\ size | thank\ you | an\ error\ (?:has\ )?occurred.*
      | loading(?:\ (?:slideshow|gallery|video))? | (?:hide|show)\ caption
      | enlarge\ (?:this\ )?(?:image|photo) | (?:view|see)\ (?:the\ )?(?:gallery|slideshow)
      | (?:(?:share|tweet|facebook|twitter|whatsapp|pinterest|pint?|linkedin|reddit|telegram|e-?mail|print)
        \W+){2,}\w*
      | this\ (?:article|story)\ (?:has\ been|was)\ sent\ to.*
      | (?:filed\ under|tags?|topics?|categories|category)\s*:.* | tags | topics
      | (?:\d+\ )?min(?:ute)?s?\ read | (?:estimated\ )?reading\ time\b.*
      # blog software's post footer and trackbacks, and a site's disclaimer
      | this\ entry\ was\ posted\b.* | trackback\ url\b.* | listed\ below\ are\ links\ to\ weblogs\b.*
      | .*\bopinions\ expressed\b[^.]{0,40}\b(?:(?:are|do)\ not\ necessarily|are\ (?:solely\ )?those\ of)\b.*
      # a caption that ends with its credit ("The ferry in May. Photo: Jane Doe")
      | .*\b(?-i:Photo|Image|Foto|Bild|Crédits?\ photos?|Fotografía|Imagen)\s*:\s*[^.!?]{1,60}
"""
_DE_SHAPES = r"""
        (?:fotos?|bild(?:er|quelle)?|grafik|quellen?|mitarbeit|(?:schluss)?redaktion|übersetzung)\s*:.*
      | mit\ material\ (?:von|der)\ .* | mit\ agenturmaterial\b.* | mit\ (?:dpa|afp|ap|reuters|kna|epd)\b.*
      | aus\ dem\ \w+en\ (?:übersetzt\ )?von\ .* | (?:externer|eingebetteter|empfohlener\ \w+)\ inhalt\b.*
      | fehler\ (?:gefunden|melden)\b.*
      | (?:.*[(/.])?\s*(?:dpa|imago(?:\ images)?|picture[\ -]alliance|keystone|apa)(?:/[^()/]*)?\)?
      | .*\balle\ rechte\ vorbehalten\b.* | werbung | anzeige | gesponsert
      | (?:artikel\ )?teilen | drucken | (?:\d+\ )?kommentare? | merken | vorlesen
      | (?:schlagw(?:ö|oe)rter|schlagworte|themen)\s*:.*
      | (?:\d+\ )?min(?:uten)?\.?\ lesezeit | lese(?:zeit|dauer)\b.*
"""
_FR_SHAPES = r"""
        (?:crédits?(?:\ (?:photos?|images?))?|photos?|illustrations?|légende|sources?)\s*:.*
      | .*\btous\ droits\ réservés\b.* | (?:avec|par)\ (?:l'|l’)?(?:afp|belga|reuters)
      | publicité | (?:contenu\ )?sponsorisé | partager(?:\ (?:cet\ article|sur\ \w+))? | imprimer
      | (?:\d+\ )?commentaires? | (?:mots[\ -]clés|thèmes|sujets)\s*:.*
      | (?:temps\ de\ )?lecture\s*:?\s*\d+\ min.* | \d+\ min(?:utes)?\ de\ lecture
"""
_ES_SHAPES = r"""
        (?:foto(?:grafía)?s?|imagen(?:es)?|fuente|créditos?)\s*:.*
      | (?:.*[(/.])?\s*(?:efe|europa\ press)(?:/[^()/]*)?\)?
      | .*\btodos\ los\ derechos\ reservados\b.* | publicidad | (?:contenido\ )?patrocinado
      | compartir(?:\ en\ \w+)? | imprimir | (?:\d+\ )?comentarios? | guardar
      | (?:etiquetas|temas)\s*:.* | (?:tiempo\ de\ )?lectura\s*:?\s*\d+\ min.*
      | \d+\ min(?:utos)?\ de\ lectura
"""
# Chinese and Japanese: picture credits and sources, editors and reporters, the original
# headline of a reprint ("图片来源：", "写真：", "责任编辑：", "原标题："), but not a sentence after
# the label: that is an interview's question ("记者：请问你怎样看待……？"); and a row of page
# tools in lenticular brackets ("页面功能 【推荐】【打印】【关闭】").
_CJK_SHAPES = r"""
        (?:图片(?:来源|说明)?\d*|来源|责任编辑|编辑|记者|摄影|原标题|写真|画像|出典|提供)\s*[:：／/]
        (?![^。！？?]*[。！？?]).*
      | [^【】]{0,8}(?:【[^【】]{1,12}】\s*){2,}
"""
# Blocks that are furniture by their shape, wherever they appear (matched against the whole block).
_SHAPES = re.compile(
    rf"^\W*(?:{'|'.join((_EN_SHAPES, _DE_SHAPES, _FR_SHAPES, _ES_SHAPES, _CJK_SHAPES))})\W*$", re.I | re.X
)

# Prompts: what asks the reader to do something other than read the article.
_EN_PROMPTS = r"""
      # "Listen to this article" and AI-audio promos
        listen\ to\ (?:this|the)\ (?:article|story) | you\ can\ now\ listen | listen\ (?:live|again|back|now)
      | (?:audio|voice|narration)\b.*\b(?:generated|created|produced|narrated)\b.*
        \b(?:ai|artificial\ intelligence)
      | ai[-\ ](?:generated|narrated|voiced) | did\ you\ (?:enjoy|like)\ this\ (?:article|story|post)
      # newsletters and subscriptions, in the words of a prompt rather than of a story about them
      | (?:our|free|daily|weekly|morning|evening)\ (?:\w+\ )?newsletters?
      | (?:delivered|sent|straight|right|directly)\ (?:to|into|in)\ your\ inbox
      | ^\W*(?:subscribe|sign\ up|log\ ?in|sign\ in)\b | already\ a\ (?:subscriber|member)
      | delivered\ (?:to|through)\ your\ (?:door|letterbox|mailbox)
      | if\ you\ (?:enjoyed|liked|value)\ (?:this|our) | personal,?\ non-commercial\ use
      # the page of a site that JavaScript builds
      | javascript\ (?:is\ )?(?:required|disabled)
      # comments, contacting
      | join\ the\ (?:conversation|discussion) | (?:may|can)\ be\ reached\ at
      # the site's notices: on the reader's browser, and on consent to cookies and other sites' content
      | thank\ you\ for\ visiting | you\ are\ using\ a\ browser\ (?:version\ )?with\ limited
      | your\ browser\ (?:is\ (?:out\ of\ date|outdated|not\ supported)|does\ not\ support)
      | (?:your|the)\ (?:privacy|cookie|consent)\ (?:settings|preferences)\ (?:prevent|block|do\ not\ allow)
      | (?:this|the)\ (?:content|embed)\ is\ (?:hosted|provided)\ by\ a\ third[-\ ]party
"""
# English asks with the bare verb ("Follow us on Twitter", "Leave a comment"), which is also how
# a sentence goes on after its subject, an auxiliary or "to" ("If you follow me on Twitter,
# you'll see …", "teams have until May to register for the competition"): an ask is a prompt
# only where none of those comes just before it (`_asks`).
_EN_ASKS = re.compile(
    r"""\b(?:
        (?:subscribe|sign\ up|register)
        \ (?:now|today|here|for\ (?:free|our|the)|to\ (?:our|the|get|read|continue|receive))
      | become\ a\ (?:member|subscriber) | support\ (?:our|independent)\ journalism
      | use\ (?:the\ )?(?:promo|coupon|discount|voucher)\ code | use\ code\b
      | (?:enable|turn\ on|activate)\ javascript | (?:accept|allow|enable)\ (?:all\ )?cookies
      | share\ (?:it|this)\ with | tell\ us\ what\ you\ think
      | (?:leave|post|add|submit|write)\ (?:(?:us\ )?(?:a|an|your)\ (?:\w+\ )?)?comments?
      | follow\ (?:us|me|him|her|them|@\w+|[\w\ .']{1,40}?)
        \ on\ (?:twitter|facebook|instagram|x|linkedin|youtube|tiktok)
      | follow\ (?:us|me|him|her|them)\ (?:at\ |on\ )?(?:@|twitter|facebook|instagram)
      | follow\ .{1,60}\ at\ https?://
      | (?:write|e-?mail|contact|reach)\ (?:to\ )?(?:\w+\ ){0,4}(?:at|on)\ \S+@
      | have\ a\ (?:news\ )?tip | reach\ the\ (?:reporter|writer|author)s?
    )\b""",
    re.I | re.X,
)
# A subject, an auxiliary or "to" just before an ask, but not the "to" of an ask's own lead-in
# ("Be sure to follow us", "Feel free to leave a comment", "Click here to subscribe").
_NOT_ASKING = re.compile(
    r"""(?:\b(?:i|you|we|they|he|she|it|who|which|that|can|could|will|would|may|might|must|should
        |shall|be|been|being|is|are|was|were|do|does|did|not)
      | n['’]t | ['’](?:ll|d|re|ve|s)
      | (?<!sure\ )(?<!free\ )(?<!forget\ )(?<!remember\ )(?<!here\ )\bto
    )\s+$""",
    re.I | re.X,
)
_DE_PROMPTS = r"""
        (?:jetzt|hier)\ (?:abonnieren|anmelden|registrieren|weiterlesen|testen|kostenlos)
      | newsletter\ (?:abonnieren|bestellen) | abonnieren\ sie | melden\ sie\ sich\ (?:jetzt\ |hier\ )?an
      | (?:unser(?:en|em)?|kostenlose[nr]?|täglichen?)\ newsletter
      | folgen\ sie\ uns | folg[et]\ uns | folgst\ du | diskutieren\ sie\ mit
      | (?:kommentar\ schreiben|kommentieren\ sie) | wie\ hat\ (?:ihnen|dir)\ (?:dieser|der)\ \w+\ gefallen
      | unterstützen\ sie\ (?:uns|unseren\ journalismus)
      | journalismus\ braucht\ (?:ihre|deine)\ unterstützung
      | bereits\ abonnent | javascript\ (?:aktivieren|ist\ deaktiviert)
      | abonniere\ (?:den|unseren|unsere|uns)
      | privatsphäre-einstellungen\ verhindern | ein\ klick\ für\ den\ datenschutz
      | ausgewählten,?\ externen\ inhalt
      | externe[nr]?\ inhalte?\ (?:angezeigt|anzeigen|laden|geladen|zulassen)
"""
_FR_PROMPTS = r"""
        abonnez-vous | inscrivez-vous | je\ m['’]abonne
      | (?:notre|nos)\ (?:newsletters?|lettres?\ d['’]information) | suivez-nous
      | réservée?s?\ aux\ abonnés | déjà\ abonné | recevez\ (?:notre|nos|gratuitement)
      | il\ vous\ reste\ [\d.,]+\s*%
      | (?:laisser|ajouter|voir|écrire)\ (?:un|les|vos)\ commentaires?
      | (?:acceptez|accepter)\ (?:les|tous\ les)\ cookies | contenu\ externe\ (?:est\ bloqué|nécessite)
      | vos\ paramètres\ de\ (?:confidentialité|cookies)
"""
_ES_PROMPTS = r"""
        síguenos | suscríbete | regístrate | únete\ a\ nuestr[oa]s?
      | (?:nuestro|nuestra)\ (?:boletín|newsletter) | ya\ eres\ (?:suscriptor|socio)
      | hazte\ (?:socio|miembro|suscriptor) | (?:deja|escribe)\ (?:tu|un)\ comentario
      | tu\ suscripción\ se\ está\ usando | compart(?:ir|iendo)\ tu\ cuenta | añadir\ otro\ usuario
      | acepta(?:r)?\ (?:las\ )?cookies
"""
_PROMPTS = re.compile(
    rf"\b(?:{'|'.join((_EN_PROMPTS, _DE_PROMPTS, _FR_PROMPTS, _ES_PROMPTS))})\b", re.I | re.X
)

# Labels that introduce links to other stories, alone ("More:") or before a headline
# ("Read more: …"): the label and the links after it go.
_EN_RELATED = r"""
        related(?:\ (?:articles?|stories|story|coverage|content|links|posts?|topics|reading|news))?
      | read\ (?:more|next|also|this) | also\ read | see\ (?:more|also) | more(?:\ \w+){0,3} | also
      | further\ reading
      | also\ (?:on|from)\ [\w.\-]+ | more\ (?:from|on|about|stories|in)\b.{0,40}
      | (?:also\ )?worth\ reading | recommended(?:\ for\ you|\ reading|\ stories)?
      | you\ (?:may|might)\ also\ like
      | most\ (?:read|popular|viewed|shared)\b.{0,40} | (?:top|latest|trending)(?:\ (?:stories|news|now))?
      | don'?t\ miss | what\ to\ read\ next | keep\ reading | up\ next | watch | listen | explore\ further
      | partner\ (?:news|content) | sponsored(?:\ (?:content|stories))? | promoted(?:\ stories)?
      | (?:from|around)\ (?:our\ partners|the\ web)
"""
_DE_RELATED = r"""
        auch\ interessant | (?:das\ )?(?:könnte|dürfte)\ sie\ (?:auch\ )?interessieren
      | lesen\ sie\ (?:auch|mehr|weiter|hier) | weiterlesen
      | mehr(?:\ (?:zum\ thema|dazu|aus|von|themen|infos?)\b.{0,40})?
      | zum\ thema | (?:weitere|verwandte|ähnliche)\ (?:artikel|themen|beiträge|nachrichten)
      | meistgelesen\w* | empfehlungen | top-?themen | siehe\ auch
"""
_FR_RELATED = r"""
        (?:à\ )?lire\ (?:aussi|également|la\ suite|plus) | à\ lire | voir\ aussi
      | (?:à\ )?(?:voir|découvrir)\ aussi
      | sur\ le\ même\ sujet | articles?\ (?:liés|similaires|connexes) | les\ plus\ lus
      | (?:pour\ )?aller\ plus\ loin | dans\ la\ même\ rubrique | plus\ d['’]infos?
"""
_ES_RELATED = r"""
        le[ea]\ (?:también|más) | leer\ más | sigue\ leyendo | te\ (?:puede|podría)\ interesar
      | te\ recomendamos
      | (?:noticias|artículos|contenidos?)\ relacionad[oa]s | relacionad[oa]s | lo\ más\ (?:leído|visto)
      | ver\ (?:también|más) | más\ (?:noticias|información)\b.{0,40}
"""
_CJK_RELATED = r"""
        相关(?:阅读|新闻|文章|推荐|报道|内容|链接) | 延伸阅读 | 推荐阅读 | 热门(?:文章|新闻)
      | 関連(?:記事|ニュース)
      | あわせて読みたい | こちらもおすすめ | おすすめ記事
"""
# A list item that ends by offering the rest of its story ("… Read more…") is another story's teaser.
_TEASER_END = re.compile(
    r"""(?:read\ more|continue\ reading|(?:weiter|mehr\ )lesen|lire\ la\ suite|(?:leer|ver)\ más
      |seguir\ leyendo|阅读全文|全文を読む)\W{0,6}$""",
    re.I | re.X,
)
_RELATED = re.compile(
    rf"""^\W*(?:{"|".join((_EN_RELATED, _DE_RELATED, _FR_RELATED, _ES_RELATED, _CJK_RELATED))})
    (?:\s*[:：|»›>]|[\s:：.…|»›>-]*$)""",
    re.I | re.X,
)
# A short label before a link: "SEE MORE: <a>…</a>", "[VIDEO] <a>…</a>".
_LABEL = re.compile(r"^\W*[^:：|»›>\]]{1,30}[:：|»›>\]]\s*")

_NAME = r"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}"
# "By A, B and C" (German "Von A und B", French "Par A et B", Spanish "Por A y B"), then perhaps
# a role or an outlet ("| Staff Writer", ", CNN"), but not a sentence.
_BY = r"(?i:by|von|par|por)"
_AND = r"(?:,|\b(?:and|und|et|y)\b|&)"
_BYLINE = re.compile(
    rf"^\W*{_BY}\s+(?P<names>{_NAME}(?:\s*{_AND}\s*{_NAME})*)(?:\s*[,|/–—-]\s*[^.!?]{{0,60}})?\s*$"
)
# A date or a time: "Nov. 19", "19 November", "2019-11-19", "11/19/2019", "8:45".
_DATE = re.compile(
    rf"""\b(?:{MONTH}\s+\d{{1,2}}\b | \d{{1,2}}\s+{MONTH}
      | \d{{1,4}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}\b | \d{{1,2}}:\d\d)""",
    re.I | re.X,
)
# A journalist's role after the name ("By Jane Doe, Political Editor").
_ROLE = re.compile(r"(?:writer|reporter|correspondent|editor|contributor|columnist)s?")
# Words a byline or a date stamp is made of, besides names, dates and times.
_BYLINE_WORD = re.compile(rf"by|von|par|por|and|staff|{_ROLE.pattern}")
# (and time zones: "ET", "PST", "GMT", "CEST"; and a blog's "• 14 Comments | Permalink"; and
# German, French and Spanish stamps: "Stand: 22.04.2024, 06:00 Uhr", "Publié le 12/03/2024 à 10h30",
# "Actualizado el 12/03/2024 a las 10:30")
_STAMP_WORD = re.compile(
    rf"""\d+ | [apm] | am | pm | (?:(?i:{MONTH})|mon|tue|wed|thu|fri|sat|sun)[a-z]*
      | published | updated | posted | last | on | at | [a-z]{{0,2}}[cempg][sdm]?t | utc
      | comments? | permalink
      | \d+h\d* | stand | uhr | aktualisiert | veröffentlicht | um
      | (?:diens|donners|frei|sams|sonn)tag | mittwoch
      | publié | mis | à | jour | le | (?:lun|mar|mercre|jeu|vendre|same)di | dimanche
      | actualizado | publicado | el | a | las | lunes | martes | miércoles | jueves | viernes | sábado
      | domingo""",
    re.X,
)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
# How a block ends when it is a sentence, not a headline or a label.
_TERMINAL = re.compile(r"""[.!?…"'”’)。！？」』）]$""")
# (Chinese and Japanese write no space after a full stop.)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")
# A pull quote is a sentence of at least this many words.
_QUOTE_WORDS = 8
# A sentence found in a paragraph this many times its length was lifted out of it.
_LIFTED = 1.5
# A text is looked for in others where a rare run of this many of its words is said...
_RUN = 4
# ...and not at all when that run is said more than this many times on the page.
_PLACES = 16
_POSITION_BITS = 40
_POSITION_MASK = (1 << _POSITION_BITS) - 1
# The witnesses of a page keep much the same blocks, and each witness is cleaned and compared
# with the others: what depends on a block's text alone (`key`, `_without_prompts`) is worked
# out once, and remembered for the last 32,768 texts: every block of a page of 16,000
# paragraphs (a smaller cache would forget them before the next witness asks, and time per
# paragraph would grow with the page), about 12 MB of text on the benchmark's pages.
_REMEMBERED = 1 << 15


def clean(
    pieces: Sequence[Piece], title: str, authors: Sequence[str], links: Collection[str] = ()
) -> list[Piece]:
    """The pieces a listener should hear, in order. LINKS: the `key`s of the page's link texts."""
    kept = [_as_prose(_without_tweet_button(piece)) for piece in _without_comments(pieces)]
    kept = _drop_related_links(kept, links)
    kept = [
        trimmed
        for piece in kept
        if not _is_byline(piece, authors) and (trimmed := _without_prompts(piece)) is not None
    ]
    kept = _drop_repeats(kept, title)
    return _drop_empty_sections(kept)


def is_furniture(text: str) -> bool:
    """Captions, credits, prompts and promos: short blocks that are page furniture."""
    words = word_count(text)
    return (words <= _SHAPE_WORDS and bool(_SHAPES.match(text))) or (
        words <= _PROMPT_WORDS and _prompts(text)
    )


def _prompts(text: str) -> bool:
    """Whether TEXT asks the reader to do something other than read (`_PROMPTS`, `_EN_ASKS`)."""
    return bool(_PROMPTS.search(text)) or _asks(text)


def _asks(text: str) -> bool:
    """Whether an English ask in TEXT is put to the reader, not said of someone ("Follow us on
    Twitter", not "If you follow me on Twitter")."""
    return any(not _NOT_ASKING.search(text, 0, ask.start()) for ask in _EN_ASKS.finditer(text))


@functools.lru_cache(maxsize=_REMEMBERED)
def _without_prompts(piece: Piece) -> Piece | None:
    """The piece, less a prompt sentence that closes it ("… Leave a comment and let us know
    what you think."); None if it is furniture or a promo that opens with a prompt ("If you
    enjoyed this article, … Members get …")."""
    # A rough split is enough here: only a whole sentence is cut, never part of one.
    sentences = _SENTENCE_BREAK.split(piece.text)
    if is_furniture(piece.text) or (piece.words <= _SHAPE_WORDS and _prompts(sentences[0])):
        return None
    last = sentences[-1]
    if len(sentences) > 1 and word_count(last) <= _SHAPE_WORDS and _prompts(last):
        return replace(piece, text=" ".join(sentences[:-1]))
    return piece


def byline_authors(text: str) -> tuple[str, ...]:
    """The names in a "By A and B" line, or none."""
    match = _BYLINE.match(text) if word_count(text) <= 12 else None
    if not match:
        return ()
    names = [
        name
        for name in re.split(rf"\s*{_AND}\s*", match.group("names"))
        if not all(_BYLINE_WORD.fullmatch(word) for word in _WORD.findall(name.lower()))
    ]
    # A role after a name is not an author ("By Jane Doe, Political Editor"); a role alone
    # still says who wrote it ("By Our Political Correspondent").
    people = [name for name in names if not any(map(_ROLE.fullmatch, _WORD.findall(name.lower())))]
    return tuple(people or names)


@functools.lru_cache(maxsize=_REMEMBERED)
def key(text: str) -> str:
    """A block's words, for telling repeats apart from typography."""
    return " ".join(_WORD.findall(text.casefold().replace("’", "'")))


def pull_quotes(texts: Sequence[str]) -> set[int]:
    """Indexes of the TEXTS that repeat another: a sentence lifted out of a longer paragraph,
    or a paragraph said before, alone or with a few words more ("… Click to tweet").

    Short lines, and lines said three times or more, are the article's own refrains (a
    recipe's "1 cup blueberries", the question put to each guest of a series), not quotes.
    The first text, the lead, is never a quote (a quote is set beside the text it is pulled
    from, never at its head: a lead said again inside a longer paragraph further down is heard
    where it stands), nor a paragraph a sentence is lifted out of (a lead sums up what the
    body then says in full, so a paragraph of the body that says one of its sentences is the
    body's own); said again whole, it is a repeat.

    A text is in another when its words are said in a row there. Each is looked for where a
    rare run of its words is said (`WordRuns`), never in every other text: the time this
    takes grows with the words of the page, not with the square of its paragraphs.
    """
    keys = [key(text) for text in texts]
    words = [own.split() for own in keys]
    counts = Counter(keys)
    quotes = {
        index
        for index, own in enumerate(keys)
        if len(words[index]) >= _QUOTE_WORDS and counts[own] <= 2 and SENTENCE_END.search(texts[index])
    } - {0}
    runs = WordRuns(words)
    repeats: set[int] = set()
    # Lifted out of another text than the lead: an earlier one, or one much longer than itself.
    for index in quotes:
        if any(
            other not in (0, index) and (other < index or len(keys[other]) >= _LIFTED * len(keys[index]))
            for other in runs.holding(words[index])
        ):
            repeats.add(index)
    # An earlier text said again with a few words more: looked for from the earlier text...
    for earlier, said in enumerate(words):
        if len(said) >= _RUN:
            repeats.update(
                index
                for index in runs.holding(said)
                if index > earlier and index in quotes and len(keys[index]) < _LIFTED * len(keys[earlier])
            )
    # ...or, for one of a few long words, among the few words of the quote that could be it.
    first: dict[str, int] = {}
    for index, text_key in enumerate(keys):
        first.setdefault(text_key, index)
    for index in quotes - repeats:
        if any(
            first.get(part, index) < index and len(keys[index]) < _LIFTED * len(part)
            for part in _short_runs(words[index], len(keys[index]) / _LIFTED)
        ):
            repeats.add(index)
    return repeats


class WordRuns:
    """Where each run of `_RUN` words is said in a list of texts' words: to find which texts
    say a given text's words in a row, in time that grows with that text, not with the list."""

    def __init__(self, words: Sequence[list[str]]) -> None:
        self._words = words
        # Each place a run is said, as one number (the text's index, then the position in it),
        # or a list of them: a few objects for the garbage collector to follow, not one a run.
        self._places: dict[str, int | list[int]] = {}
        places = self._places
        for index, own in enumerate(words):
            for place, run in enumerate(map(" ".join, runs_of(own, _RUN)), start=index << _POSITION_BITS):
                found = places.setdefault(run, place)
                if isinstance(found, list):
                    found.append(place)
                elif found != place:
                    places[run] = [found, place]
        self._short: set[tuple[str, ...]] | None = None

    def holding(self, part: list[str]) -> Iterator[int]:
        """The indexes of the texts that say PART's words (`_RUN` or more) in a row, found
        where the first of its runs said at most `_PLACES` times is said; none when every one
        is said more often (a text made of the page's most repeated phrases is taken to be
        said nowhere else: a refrain, not a quote)."""
        anchor = self._anchor(part)
        if anchor is None:
            return
        offset, places = anchor
        for place in places:
            index, start = place >> _POSITION_BITS, (place & _POSITION_MASK) - offset
            if start >= 0 and self._words[index][start : start + len(part)] == part:
                yield index

    def _anchor(self, part: list[str]) -> tuple[int, list[int]] | None:
        """The first of PART's runs said at most `_PLACES` times: its position in PART, and
        the places it is said."""
        for offset, run in enumerate(map(" ".join, runs_of(part, _RUN))):
            found = self._places.get(run, [])
            places = [found] if isinstance(found, int) else found
            if len(places) <= _PLACES:
                return offset, places
        return None

    def says(self, part: list[str]) -> bool:
        """Whether any text says PART's words in a row."""
        if len(part) >= _RUN:
            return next(self.holding(part), None) is not None
        if self._short is None:
            self._short = {
                run for own in self._words for size in range(1, _RUN) for run in runs_of(own, size)
            }
        return tuple(part) in self._short


def runs_of(words: Sequence[str], size: int) -> Iterator[tuple[str, ...]]:
    """The runs of SIZE words in a row of WORDS, in order."""
    return zip(*(words[start:] for start in range(size)), strict=False)


def _short_runs(words: list[str], longer_than: float) -> Iterator[str]:
    """The runs of fewer than `_RUN` of WORDS that are longer than LONGER_THAN characters."""
    if (_RUN - 1) * (max(map(len, words), default=0) + 1) <= longer_than:
        return  # no run of so few words is that long
    for start in range(len(words)):
        for end in range(start + 1, min(start + _RUN, len(words) + 1)):
            run = " ".join(words[start:end])
            if len(run) > longer_than:
                yield run


def _without_comments(pieces: Sequence[Piece]) -> Sequence[Piece]:
    """The pieces before the readers' comments, where a blog's comments are signed in its
    software's way ("Posted by: Ellen | Mar 26, 2007"; an extractor that keeps the page's
    column keeps them). They start after the post's own stamp ("Posted by Laurie at
    September 10, 2012 9:01 AM", without the colon), the last one before the first signature;
    a page without such a stamp loses what follows the first signature. One signature alone
    may be the article quoting one: it takes two."""
    signed = [index for index, piece in enumerate(pieces) if _SIGNATURE.match(piece.text)]
    if len(signed) < 2:
        return pieces
    stamps = [
        index
        for index, piece in enumerate(pieces[: signed[0]])
        if piece.words <= _STAMP_WORDS and _POST_STAMP.match(piece.text) and _DATE.search(piece.text)
    ]
    return pieces[: stamps[-1] if stamps else signed[0]]


def _without_tweet_button(piece: Piece) -> Piece:
    """A "Click to tweet" box's sentence without its button: the sentence is the article's
    (where the body says it too, it goes as a pull quote), the button, which makes the whole
    box one link, is not."""
    text = _TWEET_BUTTON.sub("", piece.text)
    return replace(piece, text=text) if text != piece.text else piece


def _as_prose(piece: Piece) -> Piece:
    """A heading that is a sentence of some length, or holds two, is a paragraph set in heading
    type (a lead or a standfirst, which is the article's): a headline or a subhead is one
    sentence, shorter, and does not end with a full stop."""
    if (
        piece.kind == "heading"
        and piece.words >= _PROSE_HEADING_WORDS
        and (_FULL_STOP.search(piece.text) or _holds_sentences(piece.text))
    ):
        return replace(piece, kind="paragraph")
    return piece


def _holds_sentences(text: str) -> bool:
    """Whether TEXT opens with a whole sentence and goes on with another ("Er galt als … in
    Lateinamerika. Auch …"; not "'Meth. We're On It,' …", "… on Nov. 18", "des 1. FC …")."""
    first, *rest = _SENTENCE_BREAK.split(text, maxsplit=1)
    return (
        bool(rest)
        and word_count(first) >= _LINKED_SENTENCE_WORDS
        and not _ABBREVIATION.search(first)
        and not rest[0][:1].islower()
    )


def _drop_related_links(pieces: Sequence[Piece], links: Collection[str]) -> list[Piece]:
    """Links to other stories: blocks that are the text of a link, and a "Related"/"Read more"
    label with the links or headlines that follow it.

    Only a label that stands alone ("Related:") heads a list; after a label with its headline
    on the same line ("Read more: …") the article goes on. Under a label, a list item or a
    line that is not a sentence is a headline, but a heading that is not a link's text is the
    article's next subhead, and a paragraph or list item that is a sentence longer than a
    headline is the article's own ("More reasons to unschool:" and its reasons); either ends
    the list. A list item that ends with "Read more…" is another story's teaser, wherever it is
    (a paragraph that does is more likely an excerpt the article quotes)."""
    kept: list[Piece] = []
    in_list = False
    for piece in pieces:
        label = is_related_label(piece.text)
        if label or _is_link(piece, links):
            in_list = (label and _label_alone(piece.text)) or in_list
            continue
        if (in_list and _is_headline(piece)) or (piece.kind == "item" and _TEASER_END.search(piece.text)):
            continue  # a headline or list item under a "Related" label, or a teaser
        in_list = False
        kept.append(piece)
    return kept


def _is_headline(piece: Piece) -> bool:
    """Whether a piece under a "Related" label is one of its links' headlines (see
    `_drop_related_links`)."""
    if piece.kind == "item":
        return not _is_long_sentence(piece)
    return piece.kind != "heading" and not _TERMINAL.search(piece.text)


def _is_long_sentence(piece: Piece) -> bool:
    """Whether PIECE ends a sentence and is longer than a headline."""
    return piece.words > _LINK_WORDS and bool(_TERMINAL.search(piece.text))


def _label_alone(text: str) -> bool:
    """Whether a related-links label has nothing after it ("Related:", not "Read more: …")."""
    match = _RELATED.match(text)
    return match is not None and not text[match.end() :].strip(" \t:：|»›>.…-")


def _is_link(piece: Piece, links: Collection[str]) -> bool:
    """A link to another story: a headline or a short line that is all link, not a paragraph
    that happens to be linked."""
    if _is_long_sentence(piece) or (piece.words >= _LINKED_SENTENCE_WORDS and _FULL_STOP.search(piece.text)):
        return False
    candidates = {key(piece.text), key(_LABEL.sub("", piece.text, count=1))} - {""}
    return not candidates.isdisjoint(links)


def is_related_label(text: str) -> bool:
    """A label that introduces links to other stories: alone ("Related") or before a headline
    ("Read more: …")."""
    return word_count(text) <= _RELATED_WORDS and bool(_RELATED.match(text))


def _is_byline(piece: Piece, authors: Sequence[str]) -> bool:
    """The byline ("By Jane Doe", "Jane Doe | 5:42 p.m. ET"), a date stamp ("Updated Nov. 19,
    2019") or a post's line of particulars ("Posted by Jane Doe on Nov. 1, 2012 in Recipes,
    Video", "2005-04-25 08:24 来源：人民网"): the intro reads the byline, and a stamp is not prose."""
    count = piece.words
    if count <= _META_WORDS and _is_particulars(piece.text):
        return True
    if count > 15:
        return False
    if byline_authors(piece.text):
        return True
    names = {word for author in authors for word in _WORD.findall(author.casefold())}
    words = _WORD.findall(piece.text.casefold())
    rest = [word for word in words if word not in names and not _BYLINE_WORD.fullmatch(word)]
    named = len(rest) < len(words)
    return (named or bool(_DATE.search(piece.text))) and all(_STAMP_WORD.fullmatch(word) for word in rest)


def _is_particulars(text: str) -> bool:
    """A post's line of particulars (`_POST_META` with a date in it), or a Chinese time stamp
    with its source or comment count (`_CJK_STAMP`) on a line that does not end a sentence."""
    if _POST_META.match(text) and _DATE.search(text):
        return True
    return bool(_CJK_STAMP.search(text)) and not text.endswith(("。", "！", "？"))


def _drop_repeats(pieces: Sequence[Piece], title: str) -> list[Piece]:
    """The title again (the intro reads it) and pull quotes; list items may well repeat."""
    title = key(title)
    paragraphs = [index for index, piece in enumerate(pieces) if piece.kind == "paragraph"]
    repeats = {paragraphs[i] for i in pull_quotes([pieces[index].text for index in paragraphs])}
    return [piece for index, piece in enumerate(pieces) if index not in repeats and key(piece.text) != title]


def _drop_empty_sections(pieces: Sequence[Piece]) -> list[Piece]:
    """Headings with nothing left under them (their links and prompts are gone), and headings
    before the first paragraph: the headline again, a kicker or a standfirst set as a heading."""
    kept: list[Piece] = []
    for piece in reversed(pieces):
        if piece.kind == "heading" and (not kept or kept[-1].kind == "heading"):
            continue
        kept.append(piece)
    kept.reverse()
    return list(itertools.dropwhile(lambda piece: piece.kind == "heading", kept))
