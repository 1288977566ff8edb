"""The segment stage's vocabulary: generic phrases, markers and line shapes of scraped news pages.

Everything here is general web evidence (any site, a few languages), no
site's own phrases: a house style adds its phrases through the stage's
``extra_boilerplate`` / ``extra_markers`` (see ``conf/segment/``).

Boilerplate, caption and strong-boilerplate patterns are (trigger words,
pattern) rules (:class:`Rules`): a line is searched with a pattern only when
it holds one of the pattern's trigger words, which keeps the stage fast.
"""

from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from pathlib import Path

from builder.stages.words import SEA_RE

#: Stop-word lists tried besides ``language`` (spaCy language codes with a stop-word list).
DEFAULT_DETECT_LANGUAGES = ("de", "fr", "es", "pt", "it", "nl", "id", "sv", "da", "nb", "pl", "ro", "tr", "cs", "fi", "ru",
                            "uk", "bg", "sr", "mk", "el", "hr", "sl", "sk", "hu", "lv", "lt", "et", "ca", "vi",
                            "ar", "fa", "ur", "he", "hi", "bn", "ko", "zh", "ja")

# A sentence ends with . ! ? (or an ellipsis) possibly followed by quotes/brackets; the full-width marks of Chinese
# and Japanese, the danda of Devanagari, the Arabic question mark and the Urdu full stop count too.
_CLOSERS = r"['\"”’»)\]」』）》】〕]"
_FULL_STOPS = ".!?…。！？｡।॥؟۔။።։។"  # Latin, CJK, Devanagari, Arabic, Urdu, Myanmar, Ethiopic, Armenian, Khmer
SENT_END_RE = re.compile(rf"[{_FULL_STOPS}:;：；]{_CLOSERS}*\s*$")
_CLOSER_CHARS = "'\"”’»)]」』）》】〕"
_SENT_END_CHARS = frozenset(_FULL_STOPS + ":;：；")


def ends_sentence(t: str) -> bool:
    """``SENT_END_RE.search(t) is not None``, with string methods: the last character before trailing
    whitespace and closing quotes or brackets is a sentence end."""
    return t.rstrip().rstrip(_CLOSER_CHARS)[-1:] in _SENT_END_CHARS


FULL_STOP_RE = re.compile(rf"[{_FULL_STOPS}]{_CLOSERS}*\s*$")
_DOTS = r"\.\s?\.\s?\."
ELLIPSIS_RE = re.compile(rf"(?:{_DOTS}|…)")
#: ELLIPSIS_RE but "…": starting with a literal, it is searched much faster (a quick test before ELLIPSIS_RE).
DOTS_RE = re.compile(_DOTS)
#: A table row as converters write it: "| a | b | c |".
TABLE_ROW_RE = re.compile(r"^\|(?:[^|]*\|){2,}\s*$")
SEPARATOR_RE = re.compile(r"^[\W_]+$", re.UNICODE)
# bullets and list numbering at the start of a line: "* ", "+ ", "- ", "• ", "o ", "1. ", "2) ", "#3 "
BULLET_RE = re.compile(
    r"^(?:[^\w\s\"'“‘«(\[¡¿$€£#@&%]{1,2}(?=\s)|[*+•·◦▪▸►‣⁃»›→-](?=\S)|o(?=\s)|\d{1,2}[.)](?!\d)|0\d(?=\s)|#\d{1,2})\s*"
)
# "14:48 " or "08:30 AM " before a headline in a ticker list
LEAD_TIME_RE = re.compile(r"^\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?\s+(?=\S)", re.IGNORECASE)
# "[VIDEO]", "(PHOTOS)" after a headline
# "Storm closes roads - Weather": a short label after a dash (a section column when every item of a list has one)
DASH_TAIL_RE = re.compile(r"\s[-–—]\s(?P<section>[^\W\d_][\w&'’]*(?: [\w&'’]+){0,2})\s*$", re.UNICODE)
# "Storm closes roads, by Jane Doe": the teaser's author after the headline
AUTHOR_TAIL_RE = re.compile(r"\s*[,|–—-]\s*(?i:by)\s+[A-ZÀ-ÖØ-Þ][\w'’.-]*(?:\s+(?:[A-ZÀ-ÖØ-Þ][\w'’.-]*|van|de|der|von|da|di))"
                            r"{0,3}\s*$", re.UNICODE)
#: "Posted in Culture", "Filed under Politics", "Veröffentlicht in Allgemein", "Publié dans Société": a post's meta line.
POSTED_IN_RE = re.compile(
    r"^\W*(?:(?:posted|filed|published|categori[sz]ed) (?:in|under)|veröffentlicht (?:in|unter)|abgelegt unter|gepostet in|"
    r"publié dans|classé dans|publicado en|archivado en|pubblicato in|archiviato in|publicado em|arquivado em|"
    r"geplaatst in|gepubliceerd in)\s*:?\s+\S.{0,60}$",
    re.IGNORECASE,
)
# "(12 comments)", "[4]" after a headline
COUNT_TAIL_RE = re.compile(r"\s*[\[(]\d+\s*(?:comments?|replies|responses|shares|views|photos|videos)?[\])]\s*$", re.IGNORECASE)
TAG_RE = re.compile(r"\s*[\[(](?P<tag>[A-Z][A-Z &'’-]{1,20}|[Vv]ideo|[Pp]hotos?|[Gg]allery|[Ll]ive|[Ww]atch)[\])]\s*\W?\s*$")
# "... Section Name -" at the end of a truncated blurb.
TRUNCATED_RE = re.compile(
    r"^(?P<blurb>.*?\w.*?)\s*(?:\.\s?\.\s?\.|…)\s*(?P<section>[^\W\d_][\w&'’,/ ]{0,40}?)?\s*[-–—|•·]?\s*$",
    re.UNICODE,
)

#: "Read more" style markers, alone on a line (optionally followed by a colon, dash, arrow or ellipsis).
MARKER_WORDS = (
    r"(?:read|see|view|watch|explore|discover) (?:more|also|next|this|these|further)(?: (?:stories|articles|news|videos?|on [\w'’ .&-]{1,30}))?|"
    r"(?:also|further|recommended|suggested|essential|more) (?:read|reads|reading|see|watch|viewing)|"
    r"related(?: (?:articles?|stories|story|news|posts?|content|coverage|reading|links|videos?|galleries|items|headlines|"
    r"(?:articles?|stories|posts) (?:on|from|in) [\w'’ .&-]{1,30}))?|"
    r"(?:similar|other|more|latest|recent|top|popular|trending|featured|editors?'?’?s?|staff) (?:stories|articles|news|posts|"
    r"headlines|reads?|picks?|videos|coverage|content|from (?:the |our )?[\w'’ .&-]{1,30})|"
    r"more (?:from|on|in|about|of|at|like this|to (?:read|explore|watch|discover))(?: [\w'’ .&-]{0,40})?|"
    r"more(?: [\w'’.&-]+)? (?:stories|news|headlines|coverage|articles|reading|videos)|"
    r"recommended(?: for you| stories| articles| reading| videos| links)?|(?:our|editor'?s?|top) (?:recommendations|picks)|"
    r"you (?:may|might|could|will|would) (?:also )?(?:like|love|enjoy|be interested in|have missed|want to read)|"
    r"(?:people|readers|others) (?:also )?(?:read|viewed|watched|liked|are reading)|"
    r"(?:also|elsewhere) on [\w'’ .&-]{1,30}|"
    r"don'?’?t miss(?: this| these| out)?|must[- ](?:reads?|watch|see)(?: (?:from|on|at) [\w'’ .&-]{1,30})?|"
    r"top (?:stories|news|headlines|picks|reads)|"
    r"(?:latest|recent|breaking) (?:news|stories|headlines|articles|posts|updates|videos)|"
    r"trending(?: now| stories| articles| news| today| topics)?|latest|popular|what'?’?s (?:trending|popular|hot|new)|"
    r"most (?:read|popular|viewed|shared|commented|emailed|watched|recent)(?: (?:stories|articles|news|now|today|this week|in [\w'’ .&-]{1,30}))?|"
    r"popular (?:now|stories|articles|today|posts|in [\w'’ .&-]{1,30})|"
    r"what to (?:read|watch) next|further reading|in other news|in case you missed it|icymi|"
    r"keep reading|continue reading|up next|next (?:up|story|article)|"
    r"(?:from|around) (?:around |across )?the web|"
    # a few other languages
    r"lesen sie (?:auch|mehr)|mehr zum thema|auch interessant|das könnte sie (?:auch )?interessieren|weitere artikel|"
    r"(?:à )?lire aussi|à lire également|sur le même sujet|voir aussi|"
    r"lea (?:también|más)|lee también|te puede interesar|más noticias|noticias relacionadas|"
    r"leia (?:também|mais)|veja (?:também|mais)|notícias relacionadas|"
    r"leggi anche|potrebbe interessarti|articoli correlati|"
    r"lees ook|meer nieuws|gerelateerde artikelen|meest gelezen|"
    r"ähnliche (?:beiträge|artikel|themen|nachrichten|posts)|verwandte (?:artikel|beiträge)|"
    r"weitere (?:interessante )?(?:themen|beiträge|nachrichten)|(?:das|dies|diese[rs]?)(?: thema)? (?:könnte|dürfte|könnten) "
    r"(?:dich|sie) (?:auch )?interessieren|meistgelesen(?:e (?:artikel|beiträge|nachrichten))?|empfohlene (?:artikel|beiträge)|"
    r"articles similaires|à voir aussi|(?:les )?plus lus|dans la même rubrique|vous aimerez aussi|"
    r"artículos relacionados|lo más leído|(?:también )?te puede(?: interesar| gustar)|te recomendamos|"
    r"ti potrebbe(?:ro)? interessare|(?:i )?più letti|articoli simili|"
    r"artigos relacionados|(?:as )?mais lidas|você também pode gostar|"
    r"czytaj (?:także|też|również)|zobacz (?:też|także)|powiązane artykuły|ilgili haberler|tin liên quan|bài liên quan|"
    r"читайте также|по теме|похожие (?:новости|статьи)|другие новости|читайте також|"
    r"اقرأ (?:أيضا|أيضاً|ايضا)|(?:مقالات|أخبار|اخبار) ذات صلة|यह भी पढ़ें|संबंधित (?:खबरें|ख़बरें|लेख)|"
    r"相关(?:新闻|阅读|文章|报道)|延伸阅读|推荐阅读|相關(?:新聞|閱讀|文章)|関連(?:記事|ニュース)|관련\s?기사|"
    r"(?:เรื่อง|ข่าว)ที่เกี่ยวข้อง|ဆက်စပ် အကြောင်းအရာများ|"
    r"baca juga|berita terkait|artikel terkait"
)
MARKER_RE = re.compile(
    rf"^\W*(?:(?:our|the|some|more|other)\s+)?(?:{MARKER_WORDS})\s*(?:[:\-–—»>›|.…]+|\.\.\.)?\s*(?:\(\d+\))?\s*$",
    re.IGNORECASE,
)
# "Read more: Some headline" on one line.
# "Read more: Some headline" on one line: any marker, or a media label, then a colon (or a dash) and the headline.
INLINE_RELATED_RE = re.compile(
    rf"^\W*(?P<prefix>{MARKER_WORDS}|related (?:article|story|coverage|content|news)|more|watch|listen|photos?|pictures|"
    r"in pictures|gallery|videos?)"
    r"\s*(?:[:|»>]+|\s[-–—]+)\s*(?P<headline>\S.{8,})$",
    re.IGNORECASE,
)
#: "Photo: Jane Doe" is a credit; "PHOTOS: Storm hits the coast" a teaser: media prefixes need a longer headline.
MEDIA_PREFIX_RE = re.compile(r"^(?:photos?|pictures|in pictures|gallery|videos?|watch|listen)$", re.IGNORECASE)


#: Generic web boilerplate: phrases no article paragraph needs, any site. Each rule is (trigger words,
#: pattern): a line is searched with the pattern only when it holds one of the trigger words (lowercase
#: ``\w+`` tokens, one of which every line the pattern matches contains; None: always searched). This
#: keeps the stage fast: most lines hold none of them.
BOILERPLATE_RULES = (
    ("follow", r"\bfollow (?:us|our|me|them)\b"),
    # the "found a mistake? select the text and press Ctrl+Enter" widget of many sites, in every language
    ("ctrl", r"\bctrl\s*\+\s*enter\b"),
    ("latest", r"\bfor the latest (?:news|headlines|updates|stories)\b"),
    ("subscribe sign signup register log login",
     r"\b(?:subscribe|sign up|signup|register|log ?in|sign in)\b.{0,30}\b(?:our|newsletters?|for free|today|now|here|"
     r"to (?:continue|read|get|receive|comment|the (?:\w+ )?(?:channel|podcast|feed)))\b"),
    ("subscribe sign register log login logout", r"^(?:subscribe|sign up|sign in|log ?in|register|log ?out|sign out)\b.{0,20}$"),
    ("newsletter newsletters", r"\bnewsletters?\b"),
    ("here", r"\b(?:click|tap) here\b"),
    ("klicken klick cliquez clique cliquer clic clicca klik",
     r"\b(?:klicken sie hier|hier klicken|cliquez ici|cliquer ici|clique (?:aqui|na (?:foto|imagem))|haz clic aquí|"
     r"(?:pulsa|clic|clica) aquí|clicca qui|klik hier|klik di sini)\b"),
    ("share", r"\bshare (?:this|on|via|the story|article|your thoughts)\b|^\W*(?:article )?share tools\W*$"),
    ("share tweet email e print comment comments save copy like reply copied bookmark read",
     r"^(?:share|tweet|email|e-mail|print|comments?|save|copy (?:this |the )?link|like|reply|copied!?|bookmark|read later)\b"
     r".{0,25}$"),
    ("caption close open menu search next previous prev more show load see view expand collapse back return skip continue "
     "play pause mute unmute print loading",
     r"^\W*(?:caption|close|open|menu|search|next|previous|prev|more|show more|load more|see all|view all|expand|collapse|"
     r"back to (?:gallery|top|article|home)|return to (?:gallery|article)|skip(?: ad)?|continue|play|pause|mute|unmute|"
     r"view (?:pdf|gallery|slideshow|comments)(?:/print mode)?|print mode|loading)\W*(?:\(\d+\))?\W*$"),
    ("rights", r"\ball rights reserved\b"),
    (None, r"^(?:©|\(c\)|copyright\b)"),
    ("trademark trademarks", r"\b(?:registered )?trademarks? (?:of|are)\b"),
    ("app", r"\b(?:download|get|install) (?:our|the) (?:free )?app\b|\b(?:via|on|in) (?:the|our) app\b"),
    ("cookie cookies", r"\bcookies?\b.{0,60}\b(?:use|accept|policy|settings|consent)\b"),
    ("advertisement advertising sponsored promoted ad paid anzeige werbung publicidad publicidade publicité pubblicità "
     "reklama reklame advertentie feedback",
     r"^\W*(?:advertisement|advertising|sponsored(?: content)?|promoted(?: content)?|ad|paid content|anzeige|werbung|"
     r"publicidad|publicidade|publicité|pubblicità|reklama|reklame|advertentie)\W*$|"
     r"^\W*(?:video )?ad feedback\W*$|^\W*advertisement\W+scroll to continue\W*$"),
    ("terms privacy", r"\b(?:terms (?:of|and) (?:use|service|conditions)|privacy (?:policy|notice|settings))\b"),
    ("join", r"\bjoin (?:us|our)\b.{0,30}\b(?:on|channel|community|telegram|whatsapp|forums?)\b"),
    ("news whatsapp telegram", r"\b(?:google news|whatsapp|telegram) (?:channel|group)\b"),
    ("expressed", r"\b(?:all|any) (?:views|opinions) expressed\b|\b(?:views|opinions) expressed (?:in|here)\b"),
    ("article story post",
     r"\bthis (?:article|story|post) (?:was|has been|is) (?:originally |first )?(?:published|updated|produced|generated)\b"),
    ("skip back jump toggle main",
     r"\b(?:skip to (?:main )?content|skip navigation|back to top|jump to|toggle navigation|main menu)\b"),
    ("javascript browser", r"\b(?:enable javascript|your browser)\b"),
    ("reporting editing writing compiled contributing",
     r"\b(?:reporting by|editing by|writing by|compiled by|additional reporting)\b|^\W*contributing(?: writers?| reporters?)?:\s"),
    ("solely responsible", r"\bis solely responsible for all content\b|"
                           r"\bnot responsible for the content of (?:external|third[- ]party) (?:sites|websites|links)\b"),
    ("contact about careers advertise site sitemap", r"\b(?:contact us|about us|careers|advertise with us|site ?map)\b"),
    ("comment comments share shares view views min minute minutes like likes",
     r"^\d+\s*(?:comments?|shares?|views?|min(?:ute)?s? read|likes?)\b"),
    ("commission", r"\b(?:we|this site) (?:may )?(?:earn|receive)s? (?:an? )?(?:affiliate )?commission\b"),
    ("something", r"\bif you (?:buy|purchase) something through\b"),
    ("affiliate sponsored", r"\b(?:affiliate links?|sponsored links?)\b"),
    ("informational constitute intended",
     r"\bfor informational purposes only\b|\bdoes not constitute\b.{0,30}\badvice\b|\bnot intended to (?:diagnose|replace|provide)\b"),
    ("document material content",
     r"\bthis (?:document|material|content) (?:is subject to copyright|may not be (?:published|reproduced))\b"),
    ("published reproduced republished redistributed rewritten",
     r"\bmay not be (?:published|reproduced|republished|redistributed|rewritten)\b"),
    ("retrieved", r"\bretrieved \d{1,2} \w+ \d{4} from\b"),
    ("thank thanks", r"\bthanks? for (?:reading|signing up|subscribing|your feedback)\b"),
    (None, r"^\W*(?:home|start|startseite|accueil|inicio|início|beranda)\s*[»>›/|]|"
           r"^\W*@\w+\W*$|^\W*[\w.+-]+@[\w-]+\.[\w.]+\W*$"),
    ("inbox opt optin unsubscribe",
     r"\b(?:delivered (?:straight |directly )?to|in|check|keep an eye on) your inbox\b|\bopt-?in\b|\bunsubscribe\b"),
    ("hear send got tip", r"\b(?:we want to hear|send us) (?:from you|your)\b|\bgot a (?:news )?tip\b|\bgot a story(?: for us)?\?|"
                          r"\b(?:got|have) a (?:confidential |news )?tip(?: for (?:us|our reporters))?\?"),
    ("facebook twitter x linkedin whatsapp telegram pinterest reddit instagram youtube email e print flipboard messenger",
     r"^(?:facebook|twitter|x|linkedin|whatsapp|telegram|pinterest|reddit|instagram|youtube|email|e-mail|print|flipboard|messenger)"
     r"(?:\W+(?:facebook|twitter|x|linkedin|whatsapp|telegram|pinterest|reddit|instagram|youtube|email|e-mail|print|flipboard|"
     r"messenger))*\W*$"),
    # the same page furniture in other languages: share and print buttons ("next", "back", "read more": NAV_LINES)
    ("teilen drucken twittern weiterempfehlen empfehlen versenden merken partager imprimer tweeter compartir imprimir "
     "condividi stampa compartilhar partilhar delen afdrukken printen",
     r"^\W*(?:(?:diese[nsr]?|den|cet|cette|este|esta|questo|deze|dit)\s+)?(?:(?:artikel|beitrag|seite|article|page|artículo|"
     r"noticia|articolo|artigo|pagina)\s+)?(?:teilen|drucken|twittern|weiterempfehlen|empfehlen|versenden|merken|partager|"
     r"imprimer|tweeter|compartir|imprimir|condividi|stampa|compartilhar|partilhar|delen|afdrukken|printen)"
     r"(?:\s+(?:auf|per|via|mit|sur|par|en|por|em|su|op|met)\s+[\w.-]+)?\W*(?:\d+\W*)?$"),
    ("cookie cookies",
     r"\b(?:wir (?:verwenden|nutzen|setzen)|(?:diese|unsere) (?:website|webseite|seite) (?:verwendet|nutzt)|nous utilisons|"
     r"ce site (?:web )?utilise|utilizamos|este (?:sitio|site)(?: web)? (?:utiliza|usa)|utilizziamo|questo sito (?:web )?"
     r"(?:utilizza|usa)|usamos|wij gebruiken|deze (?:website|site) gebruikt)\b.{0,30}\bcookies?\b|"
     r"^\W*(?:was sind|what are|qu'est-ce que les|qué son las|cosa sono i) cookies\W*$"),
    ("helpful useful nützlich hilfreich utile útil",
     r"\b(?:(?:was|is) this (?:article|page|post|story|information|answer) (?:helpful|useful)|did you find this (?:article|page|"
     r"post) (?:helpful|useful)|(?:fanden sie|fandest du|war) (?:diese[nrs]?|der) (?:artikel|beitrag|seite|text) "
     r"(?:nützlich|hilfreich)|cet article vous a-t-il été utile|(?:te|le) (?:ha )?(?:resultado|sido|pareció) útil)\b"),
    ("permalink", r"\bpermalink\b"),
    # a web video player's text (video.js and its like), whole lines, or lines that start with its settings dialog
    ("video play playing playback captions descriptions subtitles audio fullscreen picture modal dialog stream seek "
     "current duration remaining loaded color font restore edge",  # (rare words of each phrase: "this", "text" are not)
     r"^\W*(?:(?:video player is loading|this is a modal window|play video|now playing|playback rate|"
     r"(?:captions|subtitles) settings(?:, opens (?:captions|subtitles) settings dialog)?|"
     r"(?:descriptions|captions|subtitles) off(?:, selected)?|audio track|fullscreen|non-fullscreen|picture-in-picture|"
     r"close modal dialog|end of dialog window|stream type live|seek to live(?:, currently behind live)?|"
     r"(?:current time|duration|remaining time)\s*-?\d+:\d+|loaded: ?\d+(?:\.\d+)?%)\W*$|"
     r"beginning of dialog window\b|text color (?:white|black)\b|font size \d+%|reset restore all settings|"
     r"text edge style\b|font family proportional|(?:background|window) color (?:white|black)\b)"),
    # an embedded post's button and video pointers: "View this post on Instagram", "Watch the video below" (the embed's
    # own text and signature, "A post shared by ...", "— Jane Doe (@jane) November 4, 2019", are the article's quote:
    # gold bodies keep them)
    ("view watch scroll",
     r"^\W*(?:view this (?:post|profile|photo|video) on (?:instagram|facebook|tiktok|twitter|x)|"
     r"watch the video (?:below|above)|scroll down for (?:the )?video)\W*$"),
    # furniture lines inside an article, whole lines only: "Story continues below advertisement", "Continue reading the
    # main story", "Supported by", "Listen to this article", "Gift this article", "Reuse this content", "Hide caption",
    # "Enlarge this image", "Link copied!", "Opens in a new window", "This story has been shared 1,234 times"
    ("continues continue skip supported listen gift give share reuse error correction typo mistake shared hide toggle "
     "enlarge click copied opens app full",
     r"^\W*(?:(?:story|article) continues (?:below|after)(?: (?:this )?(?:advertisement|ad))?|advertisement continues below|"
     r"continue reading (?:the main story|below|the rest of the story)|skip advertisement|supported by|"
     r"listen to (?:this )?(?:article|story)(?:\W+\d+\s*min(?:ute)?s?)?|\d+\s*min(?:ute)?s? listen|"
     r"(?:gift|give|share full|share this full) (?:this )?article|reuse this content|"
     r"report (?:an error|a (?:correction|typo|mistake)(?: or typo)?)|this (?:story|article) has been shared [\d,.]+ times|"
     r"(?:hide|toggle) caption|enlarge this image|click to (?:expand|enlarge)|link copied|open in (?:the )?app|"
     r"\(?opens? in (?:a )?new (?:window|tab)\)?|read the full (?:story|article))\W*$"),
    # reading time, "listen to this article" and "subscribe" buttons in the page-furniture languages ("5 min read" and
    # "Listen to this article" are above)
    ("lesezeit lesedauer lecture lectura lettura leitura leestijd",
     r"^\W*(?:lesezeit|lesedauer|temps de lecture|tiempo de lectura|tempo di lettura|tempo de leitura|leestijd)\W*"
     r"(?:ca\.?\s*)?\d+\s*(?:min\.?|minuten|minutes|minutos|minuti)\W*$|"
     r"^\W*\d+\s*(?:min\.?|minuten|minutes|minutos|minuti)\s+(?:lesezeit|lesedauer|de lecture|de lectura|di lettura|"
     r"de leitura|leestijd)\W*$"),
    ("anhören vorlesen écouter escuchar ascolta ouvir luister",
     r"^\W*(?:(?:audio|artikel|beitrag) (?:anhören|vorlesen(?: lassen)?)|artikel (?:vor)?lesen lassen|"
     r"écouter (?:cet |l')article|escuchar (?:este |el )?(?:artículo|audio)|ascolta(?:re)? (?:l')?articolo|"
     r"ouvir (?:este |o )?(?:artigo|áudio)|luister naar (?:dit|het) artikel)\W*$"),
    ("abonnieren abonnez suscríbete suscribirse abbonati abbonarti assine assinar abonneer",
     r"^\W*(?:jetzt )?(?:abonnieren|abonnez-vous|suscríbete|suscribirse|abbonati|abbonarti|assine(?: já)?|assinar|"
     r"abonneer(?: nu)?)\W*$"),
    # the end of a story: "(END)" (news agencies), "Jane Doe contributed to this report", "Write to Jane Doe at
    # jane@example.com", and Chinese sites' "【责任编辑：...】" / "【纠错】"
    ("end fin ende", r"^\W*[(\[](?:end|fin|ende)[)\]]\W*$"),
    ("contributed", r"\bcontributed (?:reporting )?to this (?:report|story|article)\b"),
    ("write", r"^\W*write to [\w .'’-]{2,60}? at [\w.+-]+@[\w-]+\.[\w.]+\W*$"),
    ("纠 责 責 编 編", r"^\W*[【\[](?:纠错|責任編輯|责任编辑|编辑|編輯)"),
    ("loading", r"^\W*loading\b.{0,40}(?:\.\.\.|…)\W*$"),
    # Japanese sites' member buttons: "記事保存", "> 新規会員登録", "> ログイン", "ご利用には会員登録が必要です"
    ("員 保 ロ", r"^\W*(?:>\s*)?(?:新規会員登録|会員登録|ログイン|記事保存|evernote保存)\W*$|会員登録が必要"),
    # paywalls: "this article is for subscribers only", "already a subscriber?", "you have reached your limit of free
    # articles", "become a member to read the full story", in English and the page-furniture languages above
    ("subscribers members subscriber member",
     r"\b(?:this|the) (?:article|story|content|post|piece|feature|page) (?:is|are) (?:only |exclusively |now )?"
     r"(?:available |reserved |open |exclusive |accessible )?(?:only |exclusively )?(?:for|to) (?:our )?"
     r"(?:paying |paid |digital |premium |registered |print )?(?:subscribers|members)\b|"
     r"\b(?:subscribers?|members?)[- ]only (?:article|story|content)\b|\bexclusive (?:to|for) (?:subscribers|members)\b|"
     r"^\W*already (?:a |an )?(?:\w+ )?(?:subscriber|member)\b"),
    ("limit maximum free articles stories",
     r"\byou(?:'ve| have) (?:reached|used|hit) (?:your|the) (?:\w+ )?(?:limit|maximum)\b|"
     r"\b(?:reached|used up) (?:your|all (?:of )?your) (?:\d+ )?free (?:articles|stories)\b|"
     r"\byou(?:'ve| have) read (?:your |all (?:of )?your )?(?:\d+|all) (?:free )?(?:articles|stories)\b|"
     r"\bfree (?:articles|stories) (?:left )?(?:this|per|each) (?:month|week)\b"),
    ("reading become unlock unlimited",
     r"\bto (?:continue|keep) reading\b.{0,60}\b(?:subscribe|subscription|log ?in|sign in|sign up|register|member)|"
     r"\bbecome a (?:member|subscriber|supporter)\b.{0,40}\bto (?:read|continue|access|unlock)\b|"
     r"\bunlock (?:this|the full|full|unlimited) (?:article|story|access)\b|"
     r"\bunlimited (?:digital )?access\b.{0,40}(?:[$£€]\s?\d|\bper (?:week|month)\b|\ba (?:week|month)\b|\bsubscri)"),
    ("abonnenten abonnentinnen mitglieder abonnierende weiterlesen abo abonnement",
     r"\b(?:nur|exklusiv) für (?:abonnenten|abonnentinnen|mitglieder|abonnierende)\b|"
     r"\b(?:dieser|der) (?:artikel|beitrag|inhalt) ist (?:nur |exklusiv )?(?:für )?(?:abonnenten|abonnentinnen|mitglieder|"
     r"abonnierende)\b|\bjetzt weiterlesen\b|\bweiterlesen mit\b|\bmit (?:einem|ihrem) abo(?:nnement)?\b.{0,30}\blesen\b"),
    ("abonnés abonné abonnez reste",
     r"\bréservée?s? aux abonnés\b|\bil vous reste \d+\s?% (?:de cet article|de l'article|à lire)|"
     r"\blire la suite,? abonnez-vous\b|\bdéjà abonné\b"),
    ("suscriptores socios abonados suscriptor socio abonado suscríbete",
     r"\b(?:exclusiv|reservad)[oa]s? para (?:suscriptores|socios|abonados)\b|\bya (?:eres|soy) (?:suscriptor|socio|abonado)\b|"
     r"\bsuscríbete para (?:seguir|continuar) leyendo\b"),
    ("abbonati abbonato", r"\briservat[oaie] agli abbonati\b|\bsei già abbonato\b"),
    ("assinantes assinante assine", r"\bexclusiv[oa]s? para assinantes\b|\bjá é assinante\b|\bassine para (?:continuar|ler)\b"),
    ("abonnees abonnee", r"\balleen (?:beschikbaar )?voor abonnees\b|\bal abonnee\b"),
    ("員 続 费 订 會",  # Japanese and Chinese (their lines' words are single characters)
     r"会員限定|有料会員|続きをお読み(?:いただけます|ください)|続きを読むには|付费(?:阅读|内容|会员)|订阅(?:后|即可)(?:阅读|查看)|"
     r"會員(?:限定|專屬)"),
    ("standards principles", r"^\W*our standards\b|\btrust principles\b"),  # Reuters' footer on every story
    ("posted wurde publiée publié publicada pubblicata geplaatst",
     r"^\W*(?:this (?:entry|post) was posted|dieser (?:eintrag|beitrag) wurde|cette entrée a été publiée|"
     r"cet article a été publié dans|esta entrada (?:fue|foi) publicada|questa voce è stata pubblicata|"
     r"dit bericht (?:werd|is) geplaatst)\b"),
)

#: Whole lines that are a page's navigation in other languages ("Weiterlesen", "Lire la suite", "Ver más"), as
#: their lowercase words joined by spaces (the English ones are in BOILERPLATE_RULES). Looked up, not searched.
NAV_LINES = frozenset((
    "weiter|zurück|nächste|nächster|vorherige|vorheriger|mehr|mehr anzeigen|mehr lesen|alle anzeigen|nach oben|"
    "schließen|suche|suchen|menü|weiterlesen|zurück zur übersicht|zurück zur startseite|"
    "suivant|précédent|retour|retour en haut|voir plus|voir tout|lire la suite|fermer|rechercher|haut de page|"
    "siguiente|anterior|volver|ver más|ver todo|leer más|seguir leyendo|cerrar|buscar|menú|"
    "successivo|precedente|leggi tutto|leggi di più|continua a leggere|chiudi|cerca|torna su|"
    "próximo|voltar|ver mais|continue lendo|fechar|pesquisar|volgende|vorige|terug|lees meer|lees verder|sluiten|zoeken|"
    "zur startseite|sigue leyendo|continuer la lecture|continua la lettura|leia mais"
).split("|"))

#: Boilerplate phrases strong enough to remove a line of any length (same rule format).
STRONG_BOILERPLATE_RULES = (
    ("rights", r"\ball rights reserved\b"),
    (None, r"^(?:©|\(c\)|copyright\b)"),
    (None, r"©\s*\d{4}"),  # (a pattern of its own: starting with a literal, it is searched fast)
    ("trademark trademarks", r"\bregistered trademarks? of\b"),
    ("cookie cookies", r"\bwe use cookies\b|\buse of cookies\b|\bcookie (?:policy|settings|preferences)\b"),
    ("published reproduced republished redistributed rewritten",
     r"\bmay not be (?:published|reproduced|republished|redistributed|rewritten)\b"),
    ("informational constitute intended",
     r"\bfor (?:general )?informational purposes only\b|\bdoes not constitute\b.{0,30}\badvice\b|"
     r"\bnot intended to (?:diagnose|replace|provide)\b"),
)

#: A caption or credit that says so ("Image caption, ...", "Image source, Getty Images"): the line is the caption itself,
#: so it never makes the line above it one.
_CAPTION_LABEL = r"^\W*(?:image|media|video|photo) (?:caption|source)\s*[,:]\s"
CAPTION_LABEL_RE = re.compile(_CAPTION_LABEL, re.IGNORECASE)

_MEDIA = "image images photo photos photograph photographs picture pictures pic pics credit credits source foto bild video illustration"
#: Photo captions and credits: a credit at the end of the line (same rule format).
CAPTION_RULES = (
    (_MEDIA, r"[(\[](?:image|images|photo|photos|photograph|picture|pic|pics|credit|source|foto|bild|video|illustration)s?\s*"
             r"(?:credit)?\s*:[^)\]]*[)\]]\s*$"),
    ("getty afp reuters ap associated shutterstock istock istockphoto bloomberg alamy pa xinhua anadolu nurphoto sipa rex "
     "wikimedia file handout",
     r"(?:^|[|/,(\s—–])(?:getty(?: images)?|afp(?: via getty images)?|reuters|ap photo|associated press|shutterstock|istock(?:photo)?|"
     r"bloomberg|alamy|pa (?:images|wire|media)|xinhua|anadolu(?: agency)?|nurphoto|sipa|rex features|wikimedia commons|"
     r"file photo|handout)(?: files?| file photo)?\s*[)\]]?\s*$"),
    (_MEDIA, r"(?:^|[(|/]\s*|[.!?]\s+)(?:credit|photo|image|picture|photograph|illustration|photo credit|image credit|foto|bild)s?"
             r"\s*:\s*(?:[^\s.!?]+\.?\s*){1,8}$"),
    (_MEDIA + " gallery slide slides", r"^(?:photo|image|picture|illustration|gallery|video|slide)s?\s*\d*\s*(?:of|/)?\s*/?\s*\d*\s*$"),
    (None, r"^\d+\s*(?:of|/)\s*\d+\s*$"),
    # accessible labels a text dump keeps before a caption or credit: "Image caption, ...", "Media caption, ..."
    ("caption source", _CAPTION_LABEL),
    # a credit line that starts with the agency: "Getty Images/Sipa USA", "AFP via Getty Images", "Reuters/File"
    ("getty afp reuters ap shutterstock alamy bloomberg epa",
     r"^(?:getty images|afp|reuters|ap photo|shutterstock|alamy|bloomberg|epa)\s*(?:/|via|for)\s*[^\s.!?](?:[^.!?]{0,40})$"),
    ("courtesy photographs photograph photo illustration image",
     r"^(?:courtesy(?: of)?|photographs? by|photo by|illustration by|image by)\s+\S.{0,60}$"),
)
#: Agencies written in capitals (matched with their case): "(AP)", "| EPA". Same rule format, compiled patterns.
CAPTION_CASE_SENSITIVE = (
    ("ap afp epa pa dpa reuters getty xinhua anp ansa efe",
     re.compile(r"\((?:AP|AFP|EPA|PA|DPA|dpa|Reuters|Getty|Xinhua|ANP|ANSA|EFE)(?:\s+Photo)?(?:[/ ][^)]{0,40})?\)\s*$")),
    ("ap afp epa pa dpa anp ansa efe", re.compile(r"(?:^|[|/,]\s*)(?:AP|AFP|EPA(?:-EFE)?|PA|DPA|dpa|ANP|ANSA|EFE)\s*$")),
)

#: A line that starts with a credit: "(Image: ...)", "Photo: ...", "Courtesy of ...".
CREDIT_START_RE = re.compile(r"^\W*(?:image|photo|picture|credit|courtesy|source|getty|afp|reuters|ap\b|epa\b|foto|bild)",
                             re.IGNORECASE)

#: "By Jane Doe", "Written by ...", "Von ...", "Por ...", "Author: ...", "Autori: ...", "作者：..." (a name, optionally
#: with a date), and the Chinese, Japanese and Korean author, reporter and source labels.
BYLINE_RE = re.compile(
    r"^\W*(?:(?:(?i:by|written by|words by|story by|posted by|text by|reported by|analysis by|opinion by|commentary by|"
    r"review by|reporting by|von|par|por|di|door|oleh)\s+|"
    r"(?i:authors?|autor(?:es|en|i|zy)?|auteurs?|autore|autori|autorius|szerző)\s*:\s*)"
    r"(?:[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’.-]*|@\w+)|"
    r"(?:作者|记者|記者|来源|來源|撰文|출처|기자)\s*[:：])",  # Chinese, Japanese, Korean: author, reporter, source
    re.UNICODE,
)
#: "More information: ...", "Editor's note: ...": a labelled line of the article, not a teaser's blurb.
LABELLED_RE = re.compile(r"^[^\W\d_][\w'’ ]{0,24}:\s", re.UNICODE)

#: "20.08.2022 | By Jane Doe": a byline after a separator.
BYLINE_PART_RE = re.compile(r"[|•·]\s*(?i:by)\s+[A-ZÀ-ÖØ-Þ][\w'’.-]+", re.UNICODE)
#: Comment sections: a header line; what follows it is never the body.
COMMENTS_RE = re.compile(
    r"^\W*(?:(?:\d+\s+)?(?:comments?|user comments|reader comments|readers'? comments)\s*(?:\(\d+\))?\W*$|"
    r"\d+\s+(?:responses?|replies|reactions?)\W*$|"
    r"\d+\s+(?:thoughts?|comments?|responses?|replies|discussions?) (?:on|to)\b|"
    r"(?:leave|post|add|write|submit) (?:a|your) (?:reply|comment|response)\b|"
    # "leave a comment" in other languages (WordPress's own translations), after "Kommentare"/"Comments" or not
    r"(?:\w++\s+)?(?:schreibe einen kommentar|kommentar (?:schreiben|verfassen|hinterlassen)|"
    r"(?:laisser|ajouter|[ée]crire) un commentaire|(?:deja|dejar|escribe|escribir) un comentario|"
    r"lascia(?:re)? un commento|deixe (?:um|seu) coment[áa]rio|laat een reactie achter|"
    r"(?:dodaj|napisz) komentarz|оставьте комментарий|оставить комментарий|yorum (?:yap|yaz))\b|"
    r"(?:join|start) the (?:discussion|conversation)\b|"
    r"(?:show|view|load|read|see)(?:\s*/\s*(?:post|add|leave|write))? (?:all )?(?:\d+ )?comments\b|comments are closed\b|"
    r"(?:\d+\s+)?(?:kommentare|kommentar|kommentieren|commentaires|commenter|comentarios|comentários|comentar|comente|commenti|"
    r"commenta|komentar|komentarze|komentáře|kommentarer|kommentit|reacties|reageer|yorumlar|комментарии|коментарі|"
    r"коментари|σχόλια|التعليقات|评论|評論|留言|コメント|댓글|แสดงความคิดเห็น|ความคิดเห็น|bình luận|टिप्पणियां|टिप्पणियाँ)\W*$)",
    re.IGNORECASE,
)

#: The header of a box of bullet points that sums the article up, above it.
SUMMARY_HEADER_RE = re.compile(
    r"^\W*(?:key points|key takeaways|takeaways|story highlights|highlights|at a glance|tl;? ?dr|in brief|"
    r"das wichtigste in kürze|auf einen blick|en bref|l'essentiel|en resumen|lo más importante|in breve|em resumo|"
    r"in het kort)\W*$",
    re.IGNORECASE,
)

#: Sections that end an article: sources, tags, the author's bio. A wall for the body like a comment header.
END_RE = re.compile(
    r"^\W*(?:sources?|references|bibliography|footnotes|notes|tags|topics|related topics|related tags|related subjects|"
    r"filed under|categories|keywords|"
    r"schlagwörter|schlagworte|stichwörter|stichworte|kategorien|quellen|fußnoten|verwandte themen|"
    r"mots-clés|mots clés|étiquettes|catégories|références|"
    r"etiquetas|categorías|referencias|fuentes|argomenti|categorie|fonti|categorias|tópicos|referências|fontes|"
    r"trefwoorden|categorieën|bronnen|"
    r"about (?:the|this) (?:authors?|writer|article|story|statement|reporter)|about the authors?|more about the authors?|"
    r"über (?:den autor|die autorin|die autoren)|sobre (?:el|o) autor|à propos de l'auteur|l'autore|tentang penulis)\s*:?\s*$|"
    r"^\W*(?:topics|themen|thèmes|temas|argomenti|tópicos|onderwerpen)\s*:\s*\S",
    re.IGNORECASE,
)
#: "Tags: a, b, c", "Schlagwörter: ...", "Etiquetas: ...": the list of a post's tags (of any length), which ends the
#: article too.
TAGS_RE = re.compile(
    r"^\W*(?:tags|tagged(?: with)?|keywords|filed under|categories|schlagwörter|schlagworte|stichwörter|stichworte|"
    r"kategorien|getaggt mit|verschlagwortet mit|mots-clés|mots clés|étiquettes|catégories|etiquetas|categorías|categorie|"
    r"categorias|marcadores|trefwoorden|categorieën)\s*:\s*\S",
    re.IGNORECASE,
)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
    "januar|februar|märz|juni|juli|oktober|dezember|janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|"
    "novembre|décembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|"
    "janeiro|fevereiro|março|maio|junho|julho|setembro|outubro|dezembro|gennaio|febbraio|aprile|maggio|giugno|"
    "luglio|settembre|ottobre|dicembre|januari|februari|maret|mei|agustus|oktober|desember"
)
_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun"


def word_alternation(words: str) -> str:
    """An alternation of ``|``-separated words, factored by common prefixes: ``jan|june|july`` → ``j(?:an|u(?:ly|ne))``.

    It matches the same words as the plain alternation, but the regex engine
    tries a few characters at each position instead of every word (a month
    and day name alternation is many times faster so).
    """
    tree: dict = {}
    for w in words.split("|"):
        node = tree
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}  # a word ends here

    def build(node: dict) -> str:
        alts = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 and "" not in node else "(?:" + "|".join(alts) + ")"
        return body + "?" if "" in node else body

    return build(tree)


_DATE_NAMES_RE = word_alternation(_MONTHS + "|" + _DAYS)  # _MONTHS|_DAYS
#: Words a date/time/meta line may hold besides numbers.
DATE_WORDS = frozenset(
    (_MONTHS + "|" + _DAYS + "|am|pm|a|m|p|at|on|um|le|el|de|the|of|et|est|edt|pst|pdt|cst|cdt|gmt|utc|bst|cet|cest|ist|"
     "ago|hour|hours|hr|hrs|h|minute|minutes|min|mins|m|second|seconds|s|day|days|d|week|weeks|w|month|months|year|years|y|"
     "yesterday|today|now|just|updated|published|posted|modified|last|first|read|reading|time|views|comments|shares|"
     "st|nd|rd|th|min read|an|one|vor|stunden|minuten|tagen|il|y|hace|horas|há").split("|")
)
SENTENCE_SPLIT_RE = re.compile(r"[.!?]['\"”’)]*\s+(?=[A-Z\"“‘])")
AMPM_RE = re.compile(r"\b[ap]\.m\.", re.IGNORECASE)
DATE_CORE_RE = re.compile(rf"\b(?:\d{{1,4}}|{_DATE_NAMES_RE}|ago|yesterday|today)\b", re.IGNORECASE)
DIGIT_RE = re.compile(r"\d")
DATE_NAMES = frozenset((_MONTHS + "|" + _DAYS + "|ago|yesterday|today").split("|"))
#: What makes a line a date: a month or day name, "ago", a clock time or a numeric date.
DATE_ANCHOR_RE = re.compile(
    rf"\b(?:{_DATE_NAMES_RE})\b|\b(?:ago|yesterday|today)\b|\b\d{{1,2}}[:.]\d{{2}}\s*(?:[ap]\.?m\.?)?|"
    r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b|\b\d+\s*(?:h|hrs?|hours?|m|mins?|minutes?|d|days?)\b",
    re.IGNORECASE,
)
#: "Published 20 Nov 2019", "Updated: ...", "Posted on ...": a dateline whatever follows.
DATED_RE = re.compile(r"^\W*(?:published|updated|posted|last (?:updated|modified)|modified|veröffentlicht|aktualisiert|"
                       r"publié|mis à jour|publicado|atualizado|actualizado|pubblicato|aggiornato|diterbitkan)\b", re.IGNORECASE)


@lru_cache(maxsize=None)
def stop_words(code: str) -> frozenset[str]:
    """spaCy's stop-word list of a language, read from its ``stop_words`` module without importing the language."""
    spec = importlib.util.find_spec("spacy")
    if spec and spec.origin:
        path = Path(spec.origin).parent / "lang" / code / "stop_words.py"
        if path.is_file():
            mspec = importlib.util.spec_from_file_location(f"_builder_stop_words_{code}", path)
            mod = importlib.util.module_from_spec(mspec)
            mspec.loader.exec_module(mod)  # type: ignore[union-attr]
            return _words_only(mod.STOP_WORDS)
    import spacy.util  # fall back to the language class

    return _words_only(spacy.util.get_lang_class(code).Defaults.stop_words)


def _words_only(words) -> frozenset[str]:
    """Lowercased entries that hold a letter: some lists (Chinese) also hold digits and punctuation, which
    are no language's function words and would make any text with numbers look like that language. Words in
    Thai, Lao, Khmer or Myanmar script are left out too: the segmenter cuts those scripts into four-character
    pieces, which match a whole word only by chance (their documents tell prose by length and punctuation)."""
    return frozenset(w.lower() for w in words if any(c.isalpha() for c in w) and not SEA_RE.search(w))


class Rules:
    """(trigger words, pattern) rules: a line is searched only with the patterns its words trigger.

    Args:
        rules: (space-separated lowercase trigger words or None for always, pattern) pairs; a pattern is
            compiled case-insensitively, unless it is given compiled.
        extra: more patterns (case-insensitive), always searched (a house style's, from the config).
    """

    def __init__(self, rules, extra=()):
        self.always: list[re.Pattern] = [_compiled(p) for keys, p in rules if keys is None]
        if extra:
            self.always.append(union(extra))
        self.index: dict[str, list[re.Pattern]] = {}
        for keys, p in rules:
            if keys is not None:
                rx = _compiled(p)
                for k in keys.split():
                    self.index.setdefault(k, []).append(rx)
        #: every trigger word
        self.keys: frozenset[str] = frozenset(self.index)

    def search(self, text: str, words) -> bool:
        """Does a pattern triggered by ``words`` (the line's lowercase words, any iterable), or an always-on one, match?"""
        hits = self.keys.intersection(words) if words else ()  # in C; most lines hold no trigger word
        if hits:
            tried: set[int] = set()
            for w in hits:
                for rx in self.index[w]:
                    if id(rx) not in tried:
                        tried.add(id(rx))
                        if rx.search(text):
                            return True
        for rx in self.always:
            if rx.search(text):
                return True
        return False


def _compiled(p: str | re.Pattern) -> re.Pattern:
    return p if isinstance(p, re.Pattern) else re.compile(p, re.IGNORECASE)


def union(patterns) -> re.Pattern:
    """One case-insensitive alternation of several regular expressions."""
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
