"""Fresh sentences for checking that the name tagger and the PII policy generalise.

    python scripts/gen_pii_fresh.py --out /tmp/pii_fresh.json [--n 1500] [--seed 7] [--set extra]
    PYTHONPATH=src python scripts/eval_pii_fresh.py /tmp/pii_fresh.json

``--set extra``: a second set of templates and address spellings (issue 16's third pass,
branch acc16c), for checking rules on sentences they were not written from. ``--set outside``:
a third (branch pii16d), other frames and names from Faker's locales or invented (needs faker).
``--set held``: a fourth (branch pii16e), written before that pass's rules and never tuned on.
``--set figures``: a fifth (branch pii16g), for tuning: public figures in the frames people ask
them in, private persons in care notes, forms, chats and e-mails. ``--set private2``: a sixth
(branch priv16h), for tuning: private persons in chats, HR notes, tickets, CRM exports, intake
forms and school notes, names of many countries in Latin letters, initials, hyphenated names.
``--set public2``: a seventh (branch pub16h), for tuning the public side: products, brands,
places, landmarks, teams, players, today's public figures, organisations and dates in everyday
questions, and the same beside a private person.

Written for issue 16's precision work: the synthetic evaluation set (``shared/data/pii``) is
made by one generator from one set of templates and fake values, and a tagger tuned on its
train templates scores near-perfectly there while a held-out set of similar sentences finds
its errors. These sentences come from templates, name pools and address formats written here
(none taken from the evaluation data): given and family names of many regions, lone family
names that are English words ("Baker finished the report"), given names that are places or
words ("Florence", "Hope"), role words before a name ("tenant ..."), famous names used as a
private person's ("client Elvis Presley"), addresses in Japanese, Korean, Indian, Brazilian,
German, French, Dutch, British, Nigerian, Mexican and Canadian formats; and sentences that must
stay public: questions about public figures, places in ordinary questions, products, brands and
works named after people, headings.

The output is in the evaluation set's format (``full_text``, ``spans``, ``template_id``), with
``metadata.expect``: "public" (no private person: must be rated public), "private" (names a
private person: internal or above) or "confidential" (a private person with an address, a
health or money detail, or a date of birth). Keep the output out of the repository and out of
tests: it is a measuring set, regenerated at will with another seed.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

# -- name pools (written for this script) -----------------------------------------------------

GIVEN = {
    "ja": "Haruto Sota Yuto Riku Kaito Hinata Takumi Yuki Aoi Yui Sakura Hana Mei Rin Miyu Haruka Daichi Kenta Naoko Emiko Shun Ren",
    "ko": "Minjun Seoyeon Jiwoo Hyunwoo Jisoo Eunji Dongha Sungmin Yejin Taeyang Haneul Joon",
    "zh": "Wei Jing Xiaoming Lihua Yuxuan Zihan Haoran Meiling Jianguo Xiulan Chen Tao",
    "vi": "Nguyet Thanh Minh Phuong Huong Tuan Quang Linh Duc Anh",
    "in": "Aarav Vivaan Ananya Diya Rohan Priya Arjun Kavya Siddharth Meera Rahul Sneha Vikram Lakshmi Ishaan",
    "ng": "Chinedu Ngozi Oluwaseun Adaeze Emeka Funmilayo Tunde Chiamaka Obinna Yetunde Babajide Ifeoma",
    "ar": "Omar Layla Youssef Fatima Khalid Noor Tariq Samira Hassan Amira Karim Rania",
    "tr": "Emre Elif Burak Zeynep Mehmet Ayse Serkan Deniz Cem Esra",
    "fa": "Arash Shirin Dariush Parisa Kian Niloufar Babak Roya",
    "br": "Thiago Larissa Gustavo Camila Rafael Beatriz Leandro Juliana Caio Fernanda",
    "pl": "Grzegorz Agnieszka Bartosz Malgorzata Wojciech Katarzyna Przemyslaw Dorota",
    "gr": "Dimitrios Eleni Konstantinos Georgia Nikolaos Vasiliki Panagiotis Sofia",
    "hu": "Bence Zsofia Levente Reka Balazs Eszter Gergely Dora",
    "nordic": "Sigrid Bjorn Astrid Henrik Ingrid Lars Solveig Torbjorn Freja Mikkel",
    "ie": "Siobhan Niamh Cian Aoife Padraig Roisin Eoin Caoimhe",
    "en": "Harriet Desmond Imogen Rupert Felicity Nigel Gemma Clive Tamsin Duncan Bethany Malcolm Corinne Wendell",
    "sw": "Wanjiru Baraka Amani Zawadi Juma Neema Otieno Akinyi",
    "id": "Budi Siti Agus Dewi Putu Wayan Rizky Ayu",
}
FAMILY = {
    "ja": "Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato Yoshida Yamada Sasaki Matsumoto Inoue Kimura Hayashi Shimizu",
    "ko": "Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim Han Shin",
    "zh": "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun",
    "vi": "Nguyen Tran Le Pham Hoang Phan Vu Dang Bui Do",
    "in": "Sharma Verma Iyer Reddy Nair Gupta Patel Menon Chatterjee Banerjee Kulkarni Deshpande Pillai Rao",
    "ng": "Okonkwo Adeyemi Eze Okafor Balogun Nwosu Adebayo Ogunleye Chukwu Obi Afolabi Nnamdi",
    "ar": "Haddad Khoury Nasser Mansour Saleh Hamdan Aziz Farouk Rahman Qasim",
    "tr": "Yilmaz Kaya Demir Sahin Celik Yildiz Aydin Ozturk Arslan Dogan",
    "fa": "Tehrani Hosseini Karimi Rahimi Moradi Jafari Ahmadi Sadeghi",
    "br": "Silva Santos Oliveira Souza Pereira Carvalho Ferreira Rodrigues Almeida Nascimento",
    "pl": "Nowak Kowalczyk Wisniewski Wojcik Kaminski Lewandowski Zielinski Szymanski",
    "gr": "Papadopoulos Georgiou Nikolaidis Karagiannis Vlachos Oikonomou Christodoulou",
    "hu": "Nagy Kovacs Toth Szabo Horvath Varga Kiss Molnar",
    "nordic": "Lindqvist Johansson Haugen Bakke Nyberg Solberg Eriksen Dahl Lund Strand",
    "ie": "Murphy Kelly OSullivan Byrne Ryan Doyle Brennan Gallagher",
    "en": "Ashworth Pemberton Whitcombe Fairbairn Holloway Thistlewood Cartwright Blackmore Radcliffe Penhaligon",
    "sw": "Kamau Mwangi Otieno Wanjala Njoroge Kipchoge Achieng Mutua",
    "id": "Santoso Wijaya Hidayat Saputra Kusuma Pratama Gunawan Setiawan",
}
# family names that are English words or trades: a lone one opening a sentence is still a person
WORD_FAMILY = ["Walker", "Baker", "Mason", "Hunter", "Fisher", "Carter", "Cooper", "Turner", "Parker", "Porter", "Fletcher", "Archer", "Weaver", "Miller", "Butler", "Marsh", "Stone", "Wood", "Bishop", "Knight", "Fox", "Bell", "Price", "Young", "King", "Brook", "Hill", "Marsh", "Shepherd", "Sawyer", "Thatcher"]
# given names that are also places or plain words
WORD_GIVEN = ["Florence", "Georgia", "Victoria", "Jordan", "Sydney", "Austin", "Chelsea", "Madison", "Savannah", "Dallas", "Carolina", "Hope", "Faith", "Grace", "Rose", "Summer", "Autumn", "Chase", "Ivy", "Joy", "Dawn", "Skye", "Brooklyn", "Paris", "Phoenix", "Israel", "India", "Kenya", "Asia"]
# famous people, used once as a public figure and once as a private person's namesake
FAMOUS = ["Elvis Presley", "Frida Kahlo", "Nikola Tesla", "Ada Lovelace", "Johann Sebastian Bach",
          "Florence Nightingale", "Mahatma Gandhi", "Rosa Parks", "Pablo Picasso", "Jane Austen",
          "Ludwig van Beethoven", "Charles Dickens", "Vincent van Gogh", "Amelia Earhart",
          "Martin Luther King", "Leo Tolstoy", "Simone de Beauvoir", "Marco Polo", "Joan of Arc",
          "Alexander Hamilton", "George Washington", "Thomas Edison", "Emily Dickinson",
          "Sigmund Freud", "Confucius", "Genghis Khan", "Queen Victoria", "Julius Caesar"]  # fmt: skip
ROLES = ["tenant", "patient", "client", "employee", "applicant", "student", "resident", "customer",
         "passenger", "subscriber", "policyholder", "member", "guest", "contractor", "intern",
         "claimant", "candidate", "account holder", "beneficiary", "volunteer"]  # fmt: skip
TITLES = ["Mr.", "Ms.", "Mrs.", "Dr.", "Prof.", "Mr", "Dr", "Ms"]

# -- addresses in several countries' formats (street names written for this script) ---------


def _address(rng: random.Random) -> str:
    n = rng.randint(1, 240)
    kinds = [
        lambda: f"{rng.randint(1, 9)}-{rng.randint(1, 30)}-{rng.randint(1, 20)} {rng.choice(['Ebisu', 'Kichijoji', 'Nishiki', 'Sakuragaoka', 'Umeda', 'Tenjin'])}, "
        f"{rng.choice(['Shibuya-ku', 'Musashino-shi', 'Naka-ku', 'Kita-ku', 'Chuo-ku'])}, {rng.choice(['Tokyo', 'Osaka', 'Nagoya', 'Fukuoka', 'Sapporo'])} "
        f"{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
        lambda: f"{rng.randint(1, 99)} {rng.choice(['Teheran-ro', 'Sejong-daero', 'Dosan-daero', 'Haeundae-ro'])} {rng.randint(1, 90)}-gil, "
        f"{rng.choice(['Gangnam-gu', 'Jongno-gu', 'Mapo-gu', 'Haeundae-gu'])}, {rng.choice(['Seoul', 'Busan'])}",
        lambda: f"Flat {rng.randint(1, 12)}{rng.choice('ABC')}, {n} {rng.choice(['MG Road', 'Residency Road', 'Linking Road', 'Anna Salai'])}, "
        f"{rng.choice(['Indiranagar', 'Bandra West', 'Koramangala', 'T. Nagar'])}, {rng.choice(['Bengaluru', 'Mumbai', 'Chennai'])} {rng.randint(400001, 600099)}",
        lambda: f"Rua {rng.choice(['das Acácias', 'Doutor Arnaldo', 'Bela Cintra', 'dos Pinheiros'])}, {n}, apto {rng.randint(11, 140)}, "
        f"{rng.choice(['São Paulo - SP', 'Curitiba - PR', 'Recife - PE'])}, {rng.randint(10000, 99999)}-{rng.randint(100, 999)}",
        lambda: f"{rng.choice(['Lindenallee', 'Schillerstraße', 'Am Mühlbach', 'Bergstraße'])} {n}, {rng.randint(10000, 99999)} "
        f"{rng.choice(['Leipzig', 'Freiburg', 'Kassel', 'Bremen'])}",
        lambda: f"{n} {rng.choice(['rue des Tanneurs', 'avenue Jean-Jaurès', 'boulevard Carnot', 'rue du Moulin'])}, {rng.randint(10000, 99999)} "
        f"{rng.choice(['Lyon', 'Nantes', 'Rennes', 'Toulouse'])}",
        lambda: f"{rng.choice(['Prinsengracht', 'Oudegracht', 'Lange Nieuwstraat'])} {n}, {rng.randint(1000, 9999)} {rng.choice(['AB', 'KL', 'TX'])} "
        f"{rng.choice(['Utrecht', 'Leiden', 'Haarlem'])}",
        lambda: f"{n} {rng.choice(['Kingsley Road', 'Marlborough Crescent', 'Station Approach', 'Elm Grove'])}, {rng.choice(['Leeds', 'Bristol', 'Norwich'])} "
        f"{rng.choice(['LS6', 'BS8', 'NR2'])} {rng.randint(1, 9)}{rng.choice(['AB', 'QX', 'HT'])}",
        lambda: f"Plot {rng.randint(1, 60)}, {rng.choice(['Adeola Odeku Street', 'Allen Avenue', 'Awolowo Road'])}, {rng.choice(['Victoria Island', 'Ikeja', 'Ikoyi'])}, Lagos",
        lambda: f"Calle {rng.choice(['Reforma', 'Hidalgo', 'Juárez', 'Morelos'])} {n}, Col. {rng.choice(['Centro', 'Roma Norte', 'Del Valle'])}, "
        f"{rng.randint(10000, 99999)} {rng.choice(['Ciudad de México', 'Puebla', 'Guadalajara'])}",
        lambda: f"{n} {rng.choice(['Maple Crescent', 'Rideau Street', 'Rue Saint-Denis'])}, {rng.choice(['Ottawa, ON', 'Montréal, QC', 'Halifax, NS'])} "
        f"{rng.choice('KHB')}{rng.randint(1, 9)}{rng.choice('PAJ')} {rng.randint(1, 9)}{rng.choice('XRT')}{rng.randint(1, 9)}",
        lambda: f"PO Box {rng.randint(100, 9999)}, {rng.choice(['Alice Springs NT 0870', 'Broome WA 6725', 'Hobart TAS 7001'])}",
        lambda: f"{n} {rng.choice(['Quarry Lane', 'Birchwood Drive', 'Sycamore Court', 'Old Mill Road'])}, Apt {rng.randint(1, 40)}, "
        f"{rng.choice(['Boise, ID', 'Dayton, OH', 'Tulsa, OK', 'Reno, NV'])} {rng.randint(10000, 99999)}",
    ]
    return rng.choice(kinds)()


CITIES = ["Valparaíso", "Tbilisi", "Kraków", "Marrakesh", "Hanoi", "Edinburgh", "Cusco", "Bergen", "Kyoto",
          "Lagos", "Adelaide", "Quebec City", "Porto", "Gdańsk", "Bilbao", "Zanzibar", "Chiang Mai", "Tallinn"]  # fmt: skip
COUNTRIES = ["Chile", "Georgia", "Morocco", "Vietnam", "Peru", "Norway", "Japan", "Nigeria", "Portugal",
             "Estonia", "Tanzania", "Thailand", "Uruguay", "Iceland", "Mongolia"]  # fmt: skip
COMPANIES = ["Halvorsen Freight AS", "Brightmoor Analytics", "Kestrel Dynamics", "Okoye Foods Ltd",
             "Tanaka Precision Co.", "Larkspur Media", "Northwind Traders", "Quillfeather Publishing"]  # fmt: skip
PRODUCTS = ["the Ford Ranger", "a Dyson vacuum", "the Nintendo Switch", "Adobe Photoshop", "a Kindle",
            "the Toyota Corolla", "Microsoft Excel", "a Rolex Submariner", "the Boeing 787", "a Casio watch"]  # fmt: skip
WORKS = ["Anna Karenina", "Madame Bovary", "Oliver Twist", "Jane Eyre", "Don Quixote", "Hamlet",
         "The Great Gatsby", "Moby Dick", "David Copperfield", "Tom Sawyer"]  # fmt: skip
CONDITIONS = ["type 2 diabetes", "a fractured wrist", "asthma", "high blood pressure", "a migraine", "pneumonia"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]


def _date(rng: random.Random) -> str:
    d, m, y = rng.randint(1, 28), rng.choice(MONTHS), rng.randint(1940, 2010)
    return rng.choice([f"{d} {m} {y}", f"{m} {d}, {y}", f"{y}-{rng.randint(1, 12):02d}-{d:02d}", f"{d:02d}/{rng.randint(1, 12):02d}/{y}"])


# -- templates ---------------------------------------------------------------------------------
# {name} a full name, {given} a given name, {family} a family name, {wfamily} a family name that
# is an English word, {wgiven} a given name that is a place or a word, {role} a private role,
# {famous} a famous name, {title}, {address}, {city}, {country}, {company}, {date}, {condition},
# {product}, {work}. Expectation: the first field of each line.

TEMPLATES = r"""
private|{name} will take over the night shift from Thursday.
private|Could you draft a polite reminder to {name} about the unpaid membership fee?
private|Rewrite this so it sounds friendlier: "{given}, the figures you sent are wrong again."
private|{wfamily} started the audit on Monday and found two missing invoices.
private|{wfamily} thinks the budget is too tight; can you help me reply?
private|I disagree with {wfamily} about the deadline.
private|Summarise the feedback {wfamily} left on my draft.
private|{wfamily} and {wfamily2} will share the office on the second floor.
private|Ask {wgiven} to bring the projector tomorrow.
private|{wgiven} {family} asked for a copy of the minutes.
private|My sister {wgiven} is visiting next week, any ideas for a day out?
private|Write a birthday message for {wgiven}, she turns forty.
private|our new hire is {lgiven} {lfamily}, can you write a welcome note
private|remind {lgiven} to pay me back for the tickets
private|The {role} {name} reported a leaking pipe in the kitchen.
private|Please update the file of {role} {famous}.
private|{Role} {famous} asked to change the billing date.
private|We need a reference letter for our {role} {famous}.
private|Draft a reply to {role} {name}, who complained about the noise.
private|Can you check why {role} {given} {family} was charged twice?
private|{title} {family} asked whether the report can wait until Friday.
private|Book a table for {title} {family} and two guests at eight.
private|Translate for {title} {name}: the meeting is cancelled.
private|Tell {given} that I'll be late.
private|{given} {family} ({city}) asked about the delivery times.
private|Cc {name} and {name2} on the proposal.
private|I interviewed {name} yesterday; she was excellent.
private|Write a short bio for {name}, our new team lead from {city}.
private|{name}'s onboarding starts on Monday at {company}.
private|{given} {family} joined {company} as a junior designer.
private|Hi {given}, thanks for the quick reply!
private|Minutes: attendees {name}, {name2} and {given3} {family3}.
private|The award goes to {name} for outstanding work in customer support.
confidential|Send it to {title} {name} at {address}.
confidential|Please ship the replacement to {name}, {address}.
confidential|{name}\n{address}
confidential|Name: {name}\nAddress: {address}
confidential|{name} lives at {address} and wants to cancel the contract.
confidential|My neighbour {given} moved to {address} last month.
confidential|Deliver the parcel to {given} {family}, {address}, before noon.
confidential|Forward the documents to {name} at {address}, please.
confidential|{Role} {name}, {address}, has not paid since March.
confidential|{name} was diagnosed with {condition} last week.
confidential|Patient {name}, born {date}, was treated for {condition}.
confidential|{wfamily} was admitted to the ward with {condition}.
confidential|{name}'s salary will rise by 4% next year.
confidential|{name} (date of birth {date}) applied for the loan.
confidential|Update the record: {name}, born on {date}.
confidential|{Role} {famous} lives at {address}.
confidential|{title} {family}, {address}, owes us two months of rent.
public|Explain {famous_pos} contribution to their field in simple terms.
public|Who was {famous}?
public|Write a short biography of {famous}.
public|What did {famous} achieve, and why does it matter today?
public|Compare the early lives of {famous} and {famous2}.
public|Summarise the plot of {work}.
public|Who wrote {work}, and when?
public|What is the weather like in {city} this weekend?
public|Plan a four-day trip to {city} and {city2}.
public|What is the capital of {country}?
public|How do I get from the airport to the centre of {city}?
public|Is {product} worth buying in 2024?
public|Compare {product} with {product2}.
public|{company} announced a new factory in {city}.
public|What does {company} do, and where is it based?
public|The museum in {city} has an exhibition on {famous}.
public|Give me three facts about {country} for a school project.
public|Write a haiku about autumn in {city}.
public|List the main exports of {country}.
public|Why is {city} called the gateway to the north?
public|Translate "good morning" into the main language of {country}.
public|What time zone is {city} in?
public|Recommend a good book about the history of {country}.
public|Draft a product description for {product}.
public|Explain how {company} could enter the market in {country}.
public|Which festivals take place in {city} in {month}?
""".strip().splitlines()

# A second set, written after the rules of issue 16's third pass (branch acc16c) and never tuned
# on: other sentence frames for the same cues, and other spellings of the same countries'
# address formats (``--set extra``).
EXTRA_TEMPLATES = r"""
private|Can {wfamily} and {wfamily2} cover the Saturday rota?
private|{wfamily} and {wfamily2} have asked for a meeting with HR.
private|Could you thank {wgiven} for the flowers? She was very kind.
private|We're throwing a surprise party for {wgiven}, he has no idea.
private|please text {lgiven} that the meeting moved to 3pm
private|can you ask {lgiven} whether the invoice went out
private|The {role} {given} {family} wants a copy of the lease.
private|Our {role}, {name}, called about the heating again.
private|Note from {role} {name}: the lift is broken.
private|I'm writing on behalf of my colleague {name}.
private|My neighbour {given} keeps parking in front of my garage; how do I raise it politely?
private|Make a seating plan: {name} next to {name2}, {given3} opposite.
private|{title} {family} and {title2} {family2} will join the call.
private|Please prepare a certificate for {title} {family}.
private|Welcome our new intern {name} to the team!
private|Reply to {name}: yes, Thursday works.
confidential|Our {role} {name} lives at {address2}.
confidential|Courier pickup: {name}, {address2}.
confidential|{name} has moved; new address: {address2}
confidential|Invoice to: {name}\n{address2}
confidential|Can you confirm the delivery for {name} at {address2}?
confidential|{role} {name} ({address2}) reported chest pain.
public|Is it cheaper to fly into {city} or {city2}?
public|List direct flights from {city}, {city2} and {city3}.
public|Which is older, {city} or {city2}?
public|Tell me about the history of {city}.
public|What are the best museums in {city} and {city2}?
public|Why did {famous} become famous?
public|Name three works by {famous}.
public|What influenced {famous} and {famous2}?
public|How did {famous} die?
public|What is {company} known for?
""".strip().splitlines()


def _address_extra(rng: random.Random) -> str:
    n = rng.randint(1, 400)
    street = rng.choice(["Conselheiro Furtado", "Sete de Setembro", "Marquês de Pombal", "Padre Chagas"])
    kinds = [
        lambda: f"Avenida {street}, {n}, {rng.choice(['Centro', 'Moinhos de Vento', 'Boa Viagem'])}, "
        f"{rng.choice(['Porto Alegre - RS', 'Belém - PA', 'Salvador - BA'])}, {rng.randint(10000, 99999)}-{rng.randint(100, 999)}",
        lambda: f"Rua {street}, {n} - apto {rng.randint(1, 300)}, {rng.choice(['Fortaleza', 'Natal', 'Manaus'])}",
        lambda: f"No. {rng.randint(1, 99)}, {rng.choice(['Bode Thomas Street', 'Herbert Macaulay Way', 'Opebi Road'])}, "
        f"{rng.choice(['Surulere', 'Yaba', 'Ikeja'])}, {rng.choice(['Lagos', 'Ibadan', 'Abuja'])}",
        lambda: f"Plot {rng.randint(1, 900)}, {rng.choice(['Aminu Kano Crescent', 'Ahmadu Bello Way'])}, {rng.choice(['Wuse II', 'Garki', 'Maitama'])}, Abuja",
        lambda: f"Flat {rng.randint(1, 40)}, {rng.choice(['Sai Residency', 'Green Park Apartments'])}, {rng.randint(1, 90)} "
        f"{rng.choice(['Ring Road', 'Park Street', 'Nehru Marg'])}, {rng.choice(['Kolkata', 'Jaipur', 'Pune'])} {rng.randint(700001, 799999)}",
        lambda: f"{rng.randint(1, 90)}/{rng.randint(1, 9)}, {rng.choice(['Mahatma Gandhi Road', 'Brigade Road', 'Sardar Patel Marg'])}, "
        f"{rng.choice(['Pune', 'Jaipur', 'Lucknow'])} - {rng.randint(400001, 499999)}",
        lambda: f"{rng.randint(1, 300)} {rng.choice(['Jong-ro', 'Eulji-ro', 'Gukhoe-daero'])}, {rng.choice(['Jung-gu', 'Yeongdeungpo-gu', 'Seodaemun-gu'])}, Seoul {rng.randint(10000, 99999)}",
        lambda: f"{rng.randint(100, 999)}-{rng.randint(1, 30)} {rng.choice(['Sinsa-dong', 'Itaewon-dong', 'Jamsil-dong'])}, {rng.choice(['Gangnam-gu', 'Yongsan-gu', 'Songpa-gu'])}, Seoul",
        lambda: f"{n} rue {rng.choice(['de la Paix', 'Victor Hugo', 'des Écoles'])}, {rng.randint(10000, 99999)} {rng.choice(['Lille', 'Dijon', 'Grenoble'])}",
        lambda: f"{n} {rng.choice(['Abbey Rise', 'Kingsway Parade', 'Meadow Vale'])}, {rng.choice(['York', 'Bath', 'Derby'])} {rng.choice(['YO1', 'BA2', 'DE22'])} {rng.randint(1, 9)}{rng.choice(['LD', 'PW', 'ZE'])}",
    ]
    return rng.choice(kinds)()


# A third set (issue 16, branch pii16d), written before any rule of that pass and in the manner
# of the outside check's sentences (ordinary requests, forms, letters, chat lines, stories) rather
# than this script's: other frames around the names, and names drawn from Faker's Latin-script
# locales (``faker``, dev extra) mixed with invented ones no list holds (syllables and the endings
# of a region: "Veltrasov", "Oskarinen"), given or family name alone, with an initial or a suffix,
# sometimes typed in lower case (``--set outside``).
OUTSIDE_TEMPLATES = r"""
private|{person} shouted at {person2} across the car park.
private|{person} and I are planning a trip next spring, any tips?
private|I'm {person}, and I want to know why my order hasn't arrived.
private|Good evening, this is {person} from the third floor.
private|Last week {person} lent me her car and I scratched it. How do I apologise?
private|My grandfather was called {person}, he came here in 1962.
private|Write a wedding toast for {first} and {first2}.
private|Which present should I buy for {first}? He likes fishing.
private|Signed: {person}
private|Thanks,\n{person}
private|Kind regards,\n{person}\nAccounts Team
private|From: {person}\nSubject: rota for next week
private|Attendee: {person}\nRole: volunteer
private|{person} — 2 tickets, row F
private|Organiser: {person}; venue to be confirmed.
private|Could you proofread the speech {person} wrote for the retirement party?
private|{person} borrowed my ladder and never returned it.
private|I need to write a complaint about {person}, the driver who was rude to me.
private|My coach {person} wants us to run 5k every morning.
private|The babysitter, {person}, will arrive at seven.
private|Translate this note for {person}: the keys are under the mat.
private|How do I tell {first} that I can't come to her party?
private|Summarise this chat between {person} and {person2}.
private|The interview with {person} went well; draft a follow-up email.
private|Let {person} know the refund was approved.
private|Set up a call with {person} and {person2} on Tuesday.
private|{last} missed the deadline again, how should I handle it?
private|Please pass my thanks to {last} for the help with the move.
private|I'm meeting {person} for coffee tomorrow.
private|Yesterday {person} told me she is moving abroad.
private|Who should replace {person} as team captain?
private|A letter of recommendation for {person}, who worked as my assistant.
private|{person}'s dog barks all night; what can I do?
private|Reply to {first}: thanks, see you then.
private|Our landlord, {person}, has not fixed the boiler.
private|Add {person} to the guest list for Saturday.
confidential|{person} was hospitalised after the accident on Friday.
confidential|Remind {person} to take her insulin at noon.
confidential|{person}'s blood test results came back normal.
confidential|Please send the statement to {person}, {street}, {town}.
confidential|{person}\n{street}\n{town}
confidential|Invoice for {person}, {street}, {town}, due in 30 days.
confidential|{person} earns about 4,000 a month and wants a mortgage.
confidential|The claim of {person} (born {date}) was rejected.
confidential|I'm {person}, date of birth {date}; please update my file.
confidential|{person} lives on {street} in {town}.
public|Who painted the Mona Lisa?
public|How far is {town} from the coast?
public|Why did the Roman Empire fall?
public|What is the population of {town}?
public|Write a limerick about a cat called Whiskers.
public|Explain the difference between Python lists and tuples.
public|What did Marie Curie discover?
public|How did Napoleon lose at Waterloo?
public|Is the Tesla Model 3 a good family car?
public|What are the opening hours of the Louvre?
public|Who won the 2018 World Cup?
public|Give me a recipe for Yorkshire pudding.
public|What is Einstein's theory of relativity about?
public|Tell me about Shakespeare's sonnets.
public|What is the best time of year to visit {town}?
""".strip().splitlines()

_SYLLABLES = ["ba", "be", "bo", "da", "de", "di", "do", "ka", "ke", "ki", "ko", "la", "le", "li", "lo", "ma", "me", "mi", "mo", "na", "ne", "ni", "no", "ra", "re", "ri", "ro", "sa", "se", "si", "so", "ta", "te", "ti", "to", "va", "ve", "vi", "vo", "za", "zi", "zo", "bra", "dre", "kri", "pla", "sto", "tru", "gor", "mir", "vel", "tas", "ris", "hal", "jen", "kov", "lun", "mer", "nor", "pet", "rad", "sev", "tol", "ul", "ur", "yo", "ze"]
_FAMILY_ENDINGS = ("ov", "ova", "ev", "eva", "ić", "nen", "sson", "dóttir", "ski", "ska", "escu", "oglu", "yan",
                   "shvili", "aev", "ák", "ová", "ez", "elli", "ens", "hoff", "gaard", "berg", "ani")
_GIVEN_ENDINGS = ("a", "o", "ina", "ek", "an", "ia", "ko", "el", "ur", "is")
_FAKER_LOCALES = ("cs_CZ", "hu_HU", "fi_FI", "sl_SI", "pl_PL", "pt_BR", "nl_NL", "da_DK", "is_IS", "et_EE", "lv_LV",
                  "ro_RO", "hr_HR", "it_IT", "fr_FR", "es_MX", "de_AT", "en_IE", "en_IN", "en_US", "en_GB", "sv_SE",
                  "no_NO", "de_CH", "fr_CA", "es_ES", "pt_PT", "sk_SK", "tr_TR")
_TOWNS = ["Tromsø", "Ghent", "Ljubljana", "Aarhus", "Brno", "Oulu", "Split", "Coimbra", "Tartu", "Pécs",
          "Halifax", "Ballarat", "Dundee", "Graz", "Lucerne"]
_STREETS = ["Kiviojankatu 14", "42 Larchmont Avenue", "Ulica Bratstva 7", "Hauptgasse 31", "17 Rosemary Lane",
            "Rua do Sol 88", "Nørregade 5", "Via Garibaldi 12"]


def _invented(rng: random.Random, endings: tuple[str, ...]) -> str:
    word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 2))) + rng.choice(endings)
    return word[0].upper() + word[1:]


class _OutsideNames:
    """Given and family names: half from Faker's locales, half invented (no list holds them)."""

    def __init__(self, seed: int) -> None:
        from faker import Faker  # dev extra

        self.fakers = [Faker(loc) for loc in _FAKER_LOCALES]
        for k, f in enumerate(self.fakers):
            f.seed_instance(seed * 100 + k)

    def pair(self, rng: random.Random) -> tuple[str, str]:
        if rng.random() < 0.5:
            f = rng.choice(self.fakers)
            return f.first_name(), f.last_name()
        return _invented(rng, _GIVEN_ENDINGS), _invented(rng, _FAMILY_ENDINGS)

    def person(self, rng: random.Random) -> str:
        given, family = self.pair(rng)
        form = rng.random()
        if form < 0.55:
            return f"{given} {family}"
        if form < 0.65:
            return f"{given} {rng.choice('ABCDEFGHJKLMNPRSTVW')}. {family}"
        if form < 0.72:
            return f"{given} {family} {rng.choice(['Jr.', 'II', 'MD', 'PhD'])}"
        if form < 0.86:
            return given
        return family


def generate_outside(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    names = _OutsideNames(seed)
    out = []
    for _ in range(n):
        tid = rng.randrange(len(OUTSIDE_TEMPLATES))
        expect, template = OUTSIDE_TEMPLATES[tid].split("|", 1)
        template = template.replace("\\n", "\n")
        given, family = names.pair(rng)
        given2, _ = names.pair(rng)
        values = {
            "person": names.person(rng), "person2": names.person(rng), "first": given, "first2": given2,
            "last": family, "street": rng.choice(_STREETS), "town": rng.choice(_TOWNS), "date": _date(rng),
        }  # fmt: skip
        labels = {"person": "PERSON", "person2": "PERSON", "first": "PERSON", "first2": "PERSON", "last": "PERSON",
                  "street": "STREET_ADDRESS", "town": "GPE", "date": "DATE_TIME"}  # fmt: skip
        text, spans, pos = "", [], 0
        for m in re.finditer(r"\{(\w+)\}", template):
            text += template[pos : m.start()]
            value = values[m.group(1)]
            spans.append({"entity_type": labels[m.group(1)], "start_position": len(text), "end_position": len(text) + len(value)})
            text += value
            pos = m.end()
        text += template[pos:]
        if rng.random() < 0.1:
            text = text.lower()  # typed without capitals
        out.append({"full_text": text, "spans": spans, "template_id": f"outside-{tid}", "metadata": {"expect": expect}})
    return out


# A fourth set (issue 16, branch pii16e), written before any rule of that pass and never tuned
# on: frames of e-mails, chats, forms, bookings and care notes the other sets do not have, public
# prose that uses the words of private frames ("send it to Marketing", "Dear Sir or Madam,",
# "patient safety"), and names from Faker locales the outside set does not draw from, mixed with
# invented names of other syllables (``--set held``).
HELD_TEMPLATES = r"""
private|Hey {first}, are we still on for Friday?
private|Cheers,\n{person}
private|Best wishes,\n{first}
private|Many thanks — {person}
private|Full name: {person}\nDepartment: Sales
private|Guest name: {person}; arriving late.
private|Passenger: {person}, seat 14C
private|Booked by: {person}
private|Appointment with {person} at 3pm on Wednesday.
private|Could you move my meeting with {person} to next week?
private|My fiancée {first} wants a small wedding; help me plan it.
private|My stepson {first} refuses to do his homework. Any advice?
private|Please forward this to {person} in accounting.
private|Send the slides to {first} before lunch.
private|{first}: are you bringing the cake?\n{first2}: yes!
private|Text from {first}: "running 10 minutes late".
private|I had an argument with {person} about the parking space.
private|Is it rude to ask {first} to split the bill?
private|Draft a thank-you card to {person} for looking after our cat.
private|{person} will cover reception while I'm away.
private|Our cleaner, {person}, needs a reference.
private|Write a short poem for my grandma {first}'s 90th birthday.
private|Congratulations to {person} on passing the bar exam!
private|Reminder: {person} is on holiday until the 14th.
private|Please call {person} back about the quote.
private|{person} (our treasurer) asked for the receipts.
private|Can {first} swap shifts with me on Sunday?
private|I'm worried about my roommate {first}; he hardly leaves his room.
confidential|{person} has been off work with {illness} since Monday.
confidential|Note: {person}, {age}, presents with {illness}.
confidential|Refer {person} to a specialist for {illness}.
confidential|{person} owes me 250 for the concert tickets.
confidential|{person} is behind on the mortgage payments.
confidential|Mail the contract to {person}, {street}, {town}.
confidential|New tenant: {person}, moving into {street} on the 1st.
confidential|{person}, DOB {date}, requests a copy of her records.
public|Send it to the Marketing team by Friday.
public|Dear Sir or Madam, I am writing to ask about your opening hours.
public|What are the main rules of patient safety in hospitals?
public|My name is not important; how do I reset my router?
public|Kind regards from the whole team at {company}.
public|Which is better for students, {product} or {product2}?
public|What did {famous} invent?
public|How old was {famous} when they died?
public|Write an essay on {famous} and the age they lived in.
public|Which films are about {famous}?
public|Is {town} safe for tourists at night?
public|What is the tallest building in {town}?
public|Ship to Canada: how long does customs take?
public|Who is the current mayor of {town}?
public|Name: Quarterly report\nStatus: draft
public|How do I say "thank you" in the language spoken in {town}?
public|Explain the rules of cricket to a beginner.
public|What does {company} sell?
public|The statue of {famous} stands in the main square of {town}.
""".strip().splitlines()

_HELD_LOCALES = ("lt_LT", "en_NZ", "az_AZ", "zu_ZA", "ga_IE", "nl_BE", "fr_CH", "es_CO", "es_AR", "es_CL",
                 "de_DE", "id_ID", "yo_NG", "tw_GH", "uz_UZ", "fr_BE", "en_TH", "de_LI")
_HELD_SYLLABLES = ["al", "an", "ar", "bel", "cor", "dan", "el", "fen", "gal", "hen", "ir", "jas", "kel", "lor",
                   "mal", "nes", "or", "pav", "quin", "ros", "sel", "tam", "ul", "vor", "wen", "yar", "zel"]
_HELD_FAMILY_ENDINGS = ("ard", "ington", "quist", "enko", "ovich", "ides", "akis", "oni", "atti", "mann", "inck",
                        "ault", "ez", "aro", "ulu")
_HELD_GIVEN_ENDINGS = ("iel", "ara", "eth", "ine", "ric", "on", "ette", "io", "ya")
_HELD_FAMOUS = ["Isaac Newton", "Cleopatra", "Nelson Mandela", "Frederick Douglass", "Galileo Galilei",
                "Charles Darwin", "Harriet Tubman", "Leonardo da Vinci", "Winston Churchill", "Abraham Lincoln",
                "Oscar Wilde", "Virginia Woolf", "Akira Kurosawa", "Gabriel García Márquez", "Wolfgang Amadeus Mozart",
                "Catherine the Great", "Alexander the Great", "Mother Teresa"]  # fmt: skip
_HELD_TOWNS = ["Bruges", "Valletta", "Tampere", "Kaunas", "Mendoza", "Arequipa", "Cork", "Salzburg", "Bergamo",
               "Trondheim", "Plovdiv", "Nice", "Dunedin", "Ostrava", "Windhoek"]  # fmt: skip
_HELD_STREETS = ["Gedimino pr. 21", "9 Kowhai Terrace", "Rue Haute 140", "Calle Falsa 742", "Lindenstraße 3",
                 "58 Wattle Street", "Jalan Merdeka 11", "Bahnhofweg 19"]  # fmt: skip
_ILLNESSES = ["shingles", "a slipped disc", "bronchitis", "glandular fever", "a kidney infection", "long covid"]


class _HeldNames(_OutsideNames):
    """The outside set's mixture, from other locales and other syllables."""

    def __init__(self, seed: int) -> None:
        from faker import Faker  # dev extra

        self.fakers = [Faker(loc) for loc in _HELD_LOCALES]
        for k, f in enumerate(self.fakers):
            f.seed_instance(seed * 100 + k)

    def pair(self, rng: random.Random) -> tuple[str, str]:
        if rng.random() < 0.5:
            f = rng.choice(self.fakers)
            return f.first_name(), f.last_name()
        return _invented_from(rng, _HELD_GIVEN_ENDINGS), _invented_from(rng, _HELD_FAMILY_ENDINGS)


def _invented_from(rng: random.Random, endings: tuple[str, ...]) -> str:
    word = "".join(rng.choice(_HELD_SYLLABLES) for _ in range(rng.randint(1, 2))) + rng.choice(endings)
    return word[0].upper() + word[1:]


def generate_held(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    names = _HeldNames(seed)
    out = []
    for _ in range(n):
        tid = rng.randrange(len(HELD_TEMPLATES))
        expect, template = HELD_TEMPLATES[tid].split("|", 1)
        template = template.replace("\\n", "\n")
        given, family = names.pair(rng)
        given2, _ = names.pair(rng)
        product = rng.sample(PRODUCTS, 2)
        values = {
            "person": names.person(rng), "first": given, "first2": given2, "last": family,
            "street": rng.choice(_HELD_STREETS), "town": rng.choice(_HELD_TOWNS), "date": _date(rng),
            "famous": rng.choice(_HELD_FAMOUS), "company": rng.choice(COMPANIES), "product": product[0],
            "product2": product[1], "illness": rng.choice(_ILLNESSES), "age": str(rng.randint(19, 88)),
        }  # fmt: skip
        labels = {"person": "PERSON", "first": "PERSON", "first2": "PERSON", "last": "PERSON", "famous": "PERSON",
                  "street": "STREET_ADDRESS", "town": "GPE", "date": "DATE_TIME", "company": "ORGANIZATION"}  # fmt: skip
        text, spans, pos = "", [], 0
        for m in re.finditer(r"\{(\w+)\}", template):
            text += template[pos : m.start()]
            value = values[m.group(1)]
            if m.group(1) in labels:
                spans.append({"entity_type": labels[m.group(1)], "start_position": len(text), "end_position": len(text) + len(value)})
            text += value
            pos = m.end()
        text += template[pos:]
        if rng.random() < 0.1:
            text = text.lower()  # typed without capitals
        out.append({"full_text": text, "spans": spans, "template_id": f"held-{tid}", "metadata": {"expect": expect}})
    return out


# A fifth set (issue 16, branch pii16g), for tuning: questions about public figures in the frames
# people ask them in (their works, their age, their sayings, comparisons), ordinary sentences that
# name them, and private persons in care notes, forms, chats and e-mails, lone family names after a
# courtesy title among them. Its famous names were written for this set (full name | the short form
# people use), some of them beyond the shipped list on purpose: the frames must carry those.
# Names of private persons: the outside set's (``--set figures``).
FIGURES_TEMPLATES = r"""
public|How old was {famous} when they died?
public|How old was {short} when the war ended?
public|Which films did {famous} direct?
public|Which books did {famous} write before 1950?
public|What songs has {famous} recorded?
public|What is {famous} best known for?
public|What is {short} most famous for?
public|Describe {famous}'s best-known work in three sentences.
public|What was {short}'s most famous speech about?
public|Summarise {famous}'s role in the Reformation.
public|What was {short}'s role in the civil rights movement?
public|Give me five quotes by {famous}.
public|Famous sayings of {famous}, with sources please.
public|Compare {short} and {short2}'s philosophies.
public|Compare the ideas of {famous} and {famous2}.
public|Contrast the views of {famous} with those of {famous2}.
public|Write a short essay on {famous}.
public|Tell me three surprising facts about {short}.
public|What did {short} believe about free will?
public|When did {famous} die, and how?
public|Where was {famous} born?
public|Was {famous} ever married?
public|Why is {short} still so influential today?
public|{famous} vs {famous2}: who had the bigger influence?
public|Explain the main theories of {famous} in simple terms.
public|Recommend a good biography of {famous}.
public|Which awards did {famous} win?
public|List the major works of {famous} in chronological order.
public|{short} was born in a small town, wasn't {short}?
public|Is it true that {short} failed maths at school?
public|What would {short} think of social media?
public|Write a poem in the style of {famous}.
public|Draft a quiz question about {famous} for my history class.
public|{famous}'s early years shaped everything that came after.
public|How did {short} change the world?
public|What influenced {famous}'s later work?
public|Summarise the legacy of {famous} for a museum plaque.
public|The documentary about {famous} was excellent, what else should I watch?
public|{short} and {short2} never met, did they?
public|Plan a lesson on {famous} for twelve-year-olds.
private|{first} had a fall at the care home last night; write a short note for the family.
private|Resident {person} refused breakfast again this morning, log it please.
private|Handover: {person} in room 12 needs help with meals and is a little confused today.
private|Remind {first} to take the blue tablets after lunch.
private|Name: {person}\nRoom: 14\nDiet: vegetarian\nVisitors: daughter on Sundays
private|Attendees: {person}, {person2}\nApologies: none
private|{first}: are you coming tonight?\nme: maybe, depends on work
private|lol {first} just texted me that the party is cancelled
private|To: {first}\nSubject: Friday\n\nCan we move our call to the afternoon?
private|Please cc {person} on the next update about the move.
private|Hi team, {first} is out today so the stand-up is moved to 11.
private|Thanks {first}! See you Monday.
private|I met {first} at the gym and she asked about the job opening.
private|{first} from accounts says the printer is jammed again.
private|Write a thank-you card to {first} and {first2} for the wedding gift.
private|How do I tell {first} I can't make it to her party on Saturday?
private|What should I get {first} for his birthday? He likes hiking.
private|{person} was late to the meeting for the third time; how do I bring it up?
private|Translate into Spanish: {first} will pick up the kids at five.
private|Summarise this chat:\n{first}: running late\n{first2}: no worries, start without you
private|Is it rude that {first} never replies to my messages?
private|Proofread: Dear {first}, thank you so much for hosting us last weekend.
private|Plan a surprise party for {first}, she loves jazz and hates crowds.
private|Draft a toast for {first}'s retirement dinner.
private|{first} keeps borrowing my charger without asking, what do I say?
private|Ask Mr {last} whether the samples went out yesterday.
private|Ms. {last} will cover the front desk on Friday.
private|Let Dr {last} know the results are in.
private|Book a taxi for {person} at 7am tomorrow.
private|Who should replace {first} on the rota next week?
private|{person} (ext. 4412) handles onboarding for new starters.
private|Tell {first} the keys are under the mat.
private|Can you write a short bio for {person}, who joins our board next month?
private|Mrs {last} called twice about the broken heater.
private|{person} asked me to send the photos from Saturday.
private|Our neighbour {first} is away, how often should I water her plants?
private|Write a reference for {person}, who worked with us for three years.
private|Reply to {first}: yes, Thursday works, same place as last time.
"""
FIGURES_TEMPLATES = [t for t in FIGURES_TEMPLATES.strip().split("\n") if t.strip()]
# (full name, the short form people use)
_FIGURES_FAMOUS = [
    ("Barack Obama", "Obama"), ("Albert Einstein", "Einstein"), ("Marie Curie", "Curie"), ("Frida Kahlo", "Kahlo"),
    ("Leo Tolstoy", "Tolstoy"), ("Immanuel Kant", "Kant"), ("John Rawls", "Rawls"), ("Thomas Aquinas", "Aquinas"),
    ("Simone de Beauvoir", "de Beauvoir"), ("Hannah Arendt", "Arendt"), ("Confucius", "Confucius"),
    ("Wolfgang Amadeus Mozart", "Mozart"), ("Ludwig van Beethoven", "Beethoven"), ("Johann Sebastian Bach", "Bach"),
    ("Pablo Picasso", "Picasso"), ("Vincent van Gogh", "Van Gogh"), ("Claude Monet", "Monet"), ("Jane Austen", "Austen"),
    ("Virginia Woolf", "Woolf"), ("Toni Morrison", "Morrison"), ("Gabriel García Márquez", "García Márquez"),
    ("Chinua Achebe", "Achebe"), ("Rabindranath Tagore", "Tagore"), ("Haruki Murakami", "Murakami"),
    ("Akira Kurosawa", "Kurosawa"), ("Stanley Kubrick", "Kubrick"), ("Alfred Hitchcock", "Hitchcock"),
    ("Greta Gerwig", "Gerwig"), ("Meryl Streep", "Streep"), ("Denzel Washington", "Denzel"), ("Beyoncé", "Beyoncé"),
    ("Taylor Swift", "Swift"), ("Bob Dylan", "Dylan"), ("Freddie Mercury", "Freddie Mercury"), ("Bob Marley", "Marley"),
    ("Fela Kuti", "Fela"), ("Lionel Messi", "Messi"), ("Serena Williams", "Serena"), ("Usain Bolt", "Bolt"),
    ("Muhammad Ali", "Ali"), ("Sachin Tendulkar", "Tendulkar"), ("Simone Biles", "Biles"), ("Nelson Mandela", "Mandela"),
    ("Mahatma Gandhi", "Gandhi"), ("Martin Luther King Jr.", "King"), ("Winston Churchill", "Churchill"),
    ("Angela Merkel", "Merkel"), ("Jacinda Ardern", "Ardern"), ("Abraham Lincoln", "Lincoln"), ("Napoleon Bonaparte", "Napoleon"),
    ("Julius Caesar", "Caesar"), ("Genghis Khan", "Genghis Khan"), ("Queen Victoria", "Victoria"), ("Catherine the Great", "Catherine"),
    ("Isaac Newton", "Newton"), ("Charles Darwin", "Darwin"), ("Galileo Galilei", "Galileo"), ("Ada Lovelace", "Lovelace"),
    ("Alan Turing", "Turing"), ("Nikola Tesla", "Tesla"), ("Rosalind Franklin", "Franklin"), ("Srinivasa Ramanujan", "Ramanujan"),
    ("Emmy Noether", "Noether"), ("Steve Jobs", "Jobs"), ("Elon Musk", "Musk"), ("Oprah Winfrey", "Oprah"),
    ("Friedrich Nietzsche", "Nietzsche"), ("Søren Kierkegaard", "Kierkegaard"), ("Michel Foucault", "Foucault"),
    ("Karl Marx", "Marx"), ("Adam Smith", "Smith"), ("John Maynard Keynes", "Keynes"), ("Sigmund Freud", "Freud"),
    ("Carl Jung", "Jung"), ("Maya Angelou", "Angelou"), ("Emily Dickinson", "Dickinson"), ("William Shakespeare", "Shakespeare"),
    ("Homer", "Homer"), ("Rumi", "Rumi"), ("Hafez", "Hafez"), ("Lao Tzu", "Lao Tzu"), ("the Buddha", "Buddha"),
    ("Guru Nanak", "Nanak"), ("Saint Augustine", "Augustine"), ("Joan of Arc", "Joan"), ("Hildegard of Bingen", "Hildegard"),
    ("Zaha Hadid", "Hadid"), ("Frank Lloyd Wright", "Wright"), ("Yayoi Kusama", "Kusama"), ("Ai Weiwei", "Ai Weiwei"),
    ("Wangari Maathai", "Maathai"), ("Malala Yousafzai", "Malala"), ("Greta Thunberg", "Thunberg"),
    ("Ernest Shackleton", "Shackleton"), ("Amelia Earhart", "Earhart"), ("Yuri Gagarin", "Gagarin"),
    ("Sherlock Holmes", "Sherlock"), ("Harry Potter", "Harry"), ("Hermione Granger", "Hermione"), ("Atticus Finch", "Atticus"),
    ("Miyamoto Musashi", "Musashi"), ("Ibn Battuta", "Ibn Battuta"), ("Mansa Musa", "Mansa Musa"), ("Hypatia", "Hypatia"),
    ("Clara Schumann", "Clara Schumann"), ("Nina Simone", "Simone"), ("Kendrick Lamar", "Kendrick"), ("Bad Bunny", "Bad Bunny"),
]


def generate_figures(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    names = _OutsideNames(seed)
    out = []
    for _ in range(n):
        tid = rng.randrange(len(FIGURES_TEMPLATES))
        expect, template = FIGURES_TEMPLATES[tid].split("|", 1)
        template = template.replace("\\n", "\n")
        given, family = names.pair(rng)
        given2, _ = names.pair(rng)
        (famous, short), (famous2, short2) = rng.sample(_FIGURES_FAMOUS, 2)
        values = {
            "person": names.person(rng), "person2": names.person(rng), "first": given, "first2": given2, "last": family,
            "famous": famous, "short": short, "famous2": famous2, "short2": short2,
        }  # fmt: skip
        text, spans, pos = "", [], 0
        for m in re.finditer(r"\{(\w+)\}", template):
            text += template[pos : m.start()]
            value = values[m.group(1)]
            spans.append({"entity_type": "PERSON", "start_position": len(text), "end_position": len(text) + len(value)})
            text += value
            pos = m.end()
        text += template[pos:]
        out.append({"full_text": text, "spans": spans, "template_id": f"figures-{tid}", "metadata": {"expect": expect}})
    return out


# A sixth set (issue 16, branch priv16h), written before that branch's rules and used for tuning
# with seeds 6xx: private persons in chats, HR notes, support tickets, CRM exports, medical
# intake, school notes and bylines, a quarter typed in lower case; names of many countries
# written in Latin letters (Arabic, Slavic, Georgian, Hebrew, Indian, Thai, Chinese, Japanese,
# Korean, Ethiopian, Somali, Mongolian, Malay, West African ...), with initials, hyphenated and
# compound family names, family-name-first forms, and given names that are English words
# ("Precious", "Will", "Sunny"); a few public prompts that use the same frames' words
# (``--set private2``).
PRIVATE2_TEMPLATES = r"""
private|{first}: can u cover my shift tmrw?\n{first2}: yeah np
private|[09:14] {first}: running late, start without me
private|@{first} can you take a look at my PR before standup?
private|ok so {first} said she'd bring the tent and the stove
private|just got off the phone with {person}, she is furious about the invoice mix-up
private|did {first} ever pay you back for the tickets?
private|omg {first} and {first2} are moving to the same street as us
private|HR note: {person} requested flexible hours from next month.
private|Exit interview: {person}, warehouse team, three years of service.
private|Probation review for {person}: meets expectations, extend mentoring.
private|{person} has handed in her notice; her last day is Friday.
private|Please update the org chart: {person} now reports to {person2}.
private|Disciplinary hearing scheduled with {person} on Thursday at 10.
private|Ticket #{num}: {person} cannot log in to the VPN since this morning.
private|Assigned to: {person}\nStatus: open\nPriority: high
private|Customer {person} reports the parcel arrived damaged.
private|Escalated by {person} (tier 2), waiting on engineering.
private|Callback requested by {person} after 4pm.
private|id,name,segment,opt_in\n{num},{person},gold,yes
private|Contact: {person} | Company: {company} | Stage: proposal
private|{crm};{town};lead;open
private|Account manager: {person}\nRenewal: Q3
private|Next of kin: {person} (son)
private|{first} in Year 4 has been struggling with reading this term.
private|Report card comment for {first}: a kind and hard-working pupil.
private|Parents' evening: {first}'s mother asked about the maths group.
private|{first} forgot her PE kit again, third time this month.
private|Detention for {first} and {first2} on Thursday after class.
private|I'm {person}, originally from {town}, and I'm 31.
private|My great-aunt was called {person}; she never married.
private|Everyone calls me {first}, even at work.
private|{person}\nSenior Buyer\n{company}
private|Reviewed by: {person}
private|Photo: {person}
private|{first}'s flight lands at six, can you pick her up?
private|Help me write a birthday message for {first}, she is turning forty.
private|{person} and {person2} are getting married in June; gift ideas?
private|Do you know anything about {person}? We are meeting tomorrow.
private|Can you translate this for {first}: the meeting moved to room 3.
private|Write a LinkedIn recommendation for {person}, my former team lead.
private|{person} left a voicemail about the car insurance renewal.
private|Tell {first} I'll be ten minutes late.
private|Why is {first} ignoring my texts?
private|Draft an email to {person} asking for the signed lease.
private|Interview notes: {person} has five years of Java and wants remote work.
private|Payroll query from {person}: overtime missing in the last payslip.
private|Volunteer rota: {person} on Saturday morning, {person2} in the afternoon.
private|{title} {last} would like to reschedule to next Tuesday.
private|Meeting minutes\nPresent: {person}, {person2}\nAction: {first} to send the budget
private|The plumber, {person}, says the boiler needs a new valve.
private|Put {person} down for two seats at the gala dinner.
private|Lost property: a blue umbrella, handed in by {person}.
confidential|Intake form\nName: {person}\nReason for visit: {illness}
confidential|{person}, 54, presenting with {illness} for two weeks.
confidential|Pt {person} referred to cardiology after an abnormal ECG.
confidential|{person} was diagnosed with {illness} last spring.
confidential|{person}'s salary will increase to 52,000 from April.
confidential|{person} still owes 1,200 in rent arrears.
confidential|Ship to: {person}, {street}, {town}
confidential|{person}\n{street}\n{town}
confidential|{person}, born {date}, applies for a student loan.
confidential|Send the replacement card to {person} at {street}, {town}.
public|Hi team, the build is green again.
public|Thanks, that was really helpful!
public|Ticket #{num}: the login page returns a 500 error.
public|Send it to the printer on the second floor.
public|Who was {famous} and why do people still read about them?
public|What is the capital of {country}?
public|Best cafés in {town} for working on a laptop?
public|Reviewed by: the editorial board
public|Write a story about a dragon named Ember who fears the dark.
public|Name: Sprint review\nDate: Friday\nOwner: Platform team
public|How do I export contacts from {product} to a CSV file?
public|Status: open\nPriority: high\nComponent: billing API
""".strip().splitlines()

# given and family names written in Latin letters, by region (written for this set)
_P2_GIVEN = {
    "ar": "Abdulrahman Mohammed Ahmad Yousef Hamza Bilal Mariam Aisha Huda Salma Dalia Reem Zainab Ibrahim",
    "ru": "Yekaterina Dmitriy Sergey Anastasia Vladislav Yulia Svetlana Aleksandr Nikita Ksenia Pyotr Tatyana",
    "ua": "Oleksandr Bohdan Oksana Taras Iryna Mykola Yaroslava Andriy Halyna",
    "ge": "Nino Giorgi Tamar Levan Mariam Irakli Ketevan Davit",
    "he": "Noa Yael Itai Avi Shira Eitan Tamar Yonatan Ronit",
    "in": "Harpreet Gurpreet Senthil Lakshmanan Tanvir Farhana Deepika Aniruddha Jaswinder Sundar Bhavna Keerthana",
    "th": "Somchai Siriporn Niran Kanya Wichai Ploy Anong Thanawat",
    "zh": "Mingyu Jiahui Zhiwei Xinyi Yiran Haoyu Shufen Guoqiang",
    "ja": "Kenji Ayumi Takeshi Noriko Hiroshi Michiko Ryota Asuka",
    "ko": "Ji-hoon Seo-yeon Min-jae Ha-eun Do-yoon Su-bin",
    "et": "Abebe Tigist Dawit Meseret Yohannes Selamawit Kebede Hiwot",
    "so": "Abdiqani Hodan Faadumo Mahad Ayaan Liban",
    "mn": "Batbayar Oyuunchimeg Ganbold Enkhtuya Temuulen",
    "my": "Nurul_Aisyah Faizal Hafiz Siti Azlan Syafiq",
    "wa": "Kwame Akosua Kofi Adwoa Chukwuemeka Nkechi Oluwadamilare Folasade Ousmane Aminata Mamadou",
    "es": "María_José Juan_Pablo Ana_Lucía José_Luis Marisol Ximena Itzel Guadalupe",
    "fr": "Anne-Sophie Jean-Baptiste Marie-Claire Pierre-Louis Maëlle Gaëtan Ségolène",
    "words": "Precious Blessing Gift Lucky Justice Wisdom Patience Goodluck Will Bill Mark Frank Sunny Rain Pearl Ruby Amber Honey Guy Rich Pat Sue Dot Hunter River Sky",
}
_P2_FAMILY = {
    "ar": "Al-Qahtani Al-Farsi El-Masri Haddadin Barakat Abu-Zeid Shalabi Nassar Tamimi Al-Hashimi",
    "ru": "Vasilyeva Sokolov Kuznetsova Smirnov Volkova Lebedev Morozova Novikov Fyodorova",
    "ua": "Kovalenko Shevchenko Bondarenko Tkachuk Kravchenko Melnyk Hnatyuk",
    "ge": "Beridze Kapanadze Gelashvili Tsiklauri Lomidze Jgharkava",
    "he": "Ben-Ami Friedman Shapiro Peretz Mizrahi Ben-David Avraham Katz",
    "in": "Kaur Singh Kumaran Hossain Chowdhury Venkataraman Subramaniam Bhattacharya Dhillon Sandhu",
    "th": "Srisuk Chaiyaporn Wongsawat Thongchai Rattanakorn Boonmee",
    "zh": "Xu Guo Ma Lin Zheng Song Tang Feng",
    "ja": "Okabe Fujiwara Morimoto Hasegawa Ishikawa Kuroda Nishimura",
    "ko": "Park Seo Baek Noh Hwang Oh",
    "et": "Bekele Tesfaye Haile Gebremariam Alemu Mengistu",
    "so": "Warsame Farah Hirsi Abdullahi Jama",
    "mn": "Dorj Bold Gantulga Erdene",
    "my": "binti_Ahmad bin_Ismail Rahman Abdullah binti_Yusof",
    "wa": "Mensah Asante Owusu Boateng Nwachukwu Ogunbiyi Adeleke Diallo Traoré Keita Ndiaye",
    "es": "García-López Fernández de_la_Cruz Ramírez Quispe Mamani Hernández_Ortega del_Río",
    "fr": "Dubois-Martin Lefèvre Rousseau de_Villiers Fontaine Le_Gall Guérin",
    "words": "Brown Green White Long Small Strong Love Moon Sun Young Lamb Fox Rich Best Sharp Moody Hope Wise",
}


def _p2_pair(rng: random.Random) -> tuple[str, str]:
    region = rng.choice(list(_P2_GIVEN))
    given = rng.choice(_P2_GIVEN[region].split())
    family_region = region if rng.random() < 0.8 else rng.choice(list(_P2_FAMILY))
    family = rng.choice(_P2_FAMILY[family_region].split())
    return given.replace("_", " "), family.replace("_", " ")  # ("de_la_Cruz": one name of several words)


def _p2_person(rng: random.Random) -> str:
    given, family = _p2_pair(rng)
    form = rng.random()
    if form < 0.45:
        return f"{given} {family}"
    if form < 0.55:
        return f"{given[0]}. {family}"  # an initial
    if form < 0.6:
        return f"{given[0]}.{rng.choice('ABKMRS')}. {family}"
    if form < 0.68:
        return f"{given} {rng.choice('ABCDEHJKLMNOPRSTW')}. {family}"
    if form < 0.74:
        return f"{family} {given}"  # family name first
    if form < 0.88:
        return given
    return family


def generate_private2(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        tid = rng.randrange(len(PRIVATE2_TEMPLATES))
        expect, template = PRIVATE2_TEMPLATES[tid].split("|", 1)
        template = template.replace("\\n", "\n")
        given, family = _p2_pair(rng)
        given2, _ = _p2_pair(rng)
        crm_given, crm_family = _p2_pair(rng)
        values = {
            "person": _p2_person(rng), "person2": _p2_person(rng), "first": given, "first2": given2,
            "last": family, "title": rng.choice(TITLES), "crm": f"{crm_family.upper()}, {crm_given}",
            "street": rng.choice(_STREETS + _HELD_STREETS), "town": rng.choice(_TOWNS + _HELD_TOWNS),
            "date": _date(rng), "illness": rng.choice(_ILLNESSES + CONDITIONS), "num": str(rng.randint(1000, 99999)),
            "company": rng.choice(COMPANIES), "famous": rng.choice(_HELD_FAMOUS), "country": rng.choice(COUNTRIES),
            "product": rng.choice(PRODUCTS),
        }  # fmt: skip
        labels = {"person": "PERSON", "person2": "PERSON", "first": "PERSON", "first2": "PERSON", "last": "PERSON",
                  "crm": "PERSON", "famous": "PERSON", "street": "STREET_ADDRESS", "town": "GPE",
                  "date": "DATE_TIME", "company": "ORGANIZATION", "country": "GPE"}  # fmt: skip
        text, spans, pos = "", [], 0
        for m in re.finditer(r"\{(\w+)\}", template):
            text += template[pos : m.start()]
            value = values[m.group(1)]
            if m.group(1) in labels:
                spans.append({"entity_type": labels[m.group(1)], "start_position": len(text), "end_position": len(text) + len(value)})
            text += value
            pos = m.end()
        text += template[pos:]
        if rng.random() < 0.25:
            text = text.lower()  # typed without capitals
        out.append({"full_text": text, "spans": spans, "template_id": f"private2-{tid}", "metadata": {"expect": expect}})
    return out


# A seventh set (issue 16, branch pub16h), for tuning the public side: written before that branch's
# rules. Products and their makers' model lines ("a Canon EOS R6", "the Fender Stratocaster"),
# brands named after people ("a Ralph Lauren shirt"), world cities, places named after people,
# landmarks and famous streets, regions, sports teams and their players, today's public figures in
# everyday questions, organisations, dates in public questions; and, to check that a private
# person beside them is still private, the same things in a private person's sentence. Its values
# were written for this set, not taken from any list the detector ships. Names of private persons:
# the outside set's (``--set public2``, needs faker).
PUBLIC2_TEMPLATES = r"""
public|Is the {product} still worth it, or should I wait for the next model?
public|My {product} won't turn on after the update, any fixes?
public|Which is quieter, the {product} or the {product2}?
public|How do I clean the filter of a {product}?
public|Write a two-line ad for the {product}.
public|{product} or {product2} for a beginner?
public|What's the battery life of the {product} in practice?
public|Where can I buy a second-hand {product} in {city}?
public|Is a {brand} {thing} a good gift for a teenager?
public|Why are {brand} {thing}s so expensive?
public|Does {brand} still make {thing}s in Europe?
public|Write a product review of a {brand} {thing}, four stars.
public|I'm torn between a {brand} {thing} and a {brand2} {thing}.
public|Is {brand} a luxury brand or mid-range?
public|How do I spot a fake {brand} {thing}?
public|What year did {brand} launch its first {thing}?
public|Best settings for {software} on an older laptop?
public|How do I export a PDF from {software}?
public|Is {software} free for students?
public|Beat the second boss in {game} without levelling up: tips?
public|How long does it take to finish {game}?
public|Is {game} suitable for a ten-year-old?
public|Weather in {city} tomorrow?
public|weather in {city} next week
public|What should I pack for {city} in {month}?
public|Cheapest way to get from {city} to {city2}?
public|Is {city} safe for solo travellers?
public|Best neighbourhoods to stay in {city} for a first visit?
public|How far is {landmark} from the centre of {city}?
public|What are the opening hours of {landmark}?
public|Is it worth queuing for {landmark}?
public|Tell me the history of {landmark} in one paragraph.
public|Plan a day in {city}: {landmark} in the morning, food in the afternoon.
public|Which is older, {landmark} or {landmark2}?
public|Is {street} worth a walk, or is it just shops?
public|Where is the best coffee near {street}?
public|How many people live in {city}?
public|Flights from {city} to {namedplace} in {month}: which airline?
public|What is there to do in {namedplace} for a weekend?
public|Is {namedplace} a good place to retire?
public|Why is {namedplace} called that?
public|I'm moving to {namedplace} for work, what's the cost of living?
public|Road trip from {namedplace} to {city}: where to stop?
public|What wine is {region} known for?
public|Best time of year to visit {region}?
public|Write a short poem about the hills of {region}.
public|Who won the last match between {team} and {team2}?
public|When was {team} founded?
public|How many titles have {team} won?
public|Is {athlete} playing this weekend?
public|How many goals did {athlete} score last season?
public|Who is better, {athlete} or {athlete2}?
public|What did {celebrity} say at the launch yesterday?
public|How old is {celebrity}?
public|Is {celebrity} on social media?
public|Summarise the latest interview with {celebrity}.
public|What is {celebrity}'s net worth?
public|Did {celebrity} really say that about AI?
public|What does {org} actually do?
public|How do I apply for an internship at {org}?
public|Where is the headquarters of {org}?
public|Write a tweet congratulating {org} on its anniversary.
public|What happened on {date} in world history?
public|Is {landmark} open on {date}?
public|Which holidays fall in {month} {year} in {country}?
public|The conference in {city} starts on {date}; what's the weather usually like then?
public|Convert {date} to the Julian calendar.
public|What day of the week was {date}?
public|Recommend a hotel in {city} near {landmark} under 150 euros.
public|Does the {product} work with {software}?
public|{athlete} vs {athlete2}: stats comparison please.
public|Draft an itinerary: {city}, {city2} and {namedplace} in ten days.
public|What's the dress code for dinner at a restaurant on {street}?
public|Is {character} a good role model for kids?
public|Write fan fiction where {character} visits {city}.
public|What is {character}'s backstory in the original books?
private|My sister {first} just bought a {product} and it keeps crashing, how do I help her?
private|{person} from the office is flying to {city} on Friday, can you draft her out-of-office?
private|Ask {first} whether she still wants my old {product}.
private|{person} lent me his {brand} {thing} and I broke it. How do I tell him?
private|Remind {first} to book the hotel near {landmark}.
private|Hi {first}, are we still meeting at {landmark} at noon?
private|{first} and I are planning a trip to {city} in {month}, any tips?
private|Write a birthday card for {first}, who loves {team}.
private|My neighbour {person} wants to sell his {product}; what should he ask for it?
private|Our intern {person} will cover the {city} trade fair.
private|Thanks,\n{person}\nSales, {city} office
private|Can you write a welcome note for {person}, who joins the {city} team on Monday?
private|{person} keeps using my {product} without asking.
private|Plan a surprise trip to {namedplace} for {first}, she turns thirty.
private|Translate: {first} will pick you up at {landmark} at six.
private|My brother {first} is a huge fan of {athlete}; what gift should I get him?
private|Reply to {person}: the {software} licence renewal is approved.
confidential|{person} was diagnosed with asthma after moving to {city}.
confidential|Send the {product} to {person}, {number} {privstreet}, {city}.
confidential|{person}'s salary at {org} will rise by 3% in {month}.
"""
PUBLIC2_TEMPLATES = [t for t in PUBLIC2_TEMPLATES.strip().split("\n") if t.strip()]
_P2_PRODUCTS = ["iPhone 15 Pro", "Samsung Galaxy S23", "Google Pixel 8", "Canon EOS R6", "Sony WH-1000XM5",
                "Nikon Z6", "Tesla Model 3", "Honda Civic", "Volkswagen Golf", "Mazda MX-5",
                "Kia Sportage", "Fender Stratocaster", "Gibson Les Paul", "Yamaha P-125",
                "KitchenAid Artisan", "Vitamix E310", "Garmin Forerunner 265", "Apple Watch Ultra",
                "Herman Miller Aeron", "IKEA Billy", "Roomba j7", "Kindle Paperwhite", "Nespresso Vertuo",
                "Dyson V15", "Breville Barista Express", "Steam Deck", "PlayStation 5", "Xbox Series X",
                "Bosch Serie 6", "DJI Mini 4", "GoPro Hero 12", "Oura Ring", "Fitbit Charge 6",
                "MacBook Air", "Lenovo ThinkPad X1", "Dell XPS 13", "Raspberry Pi 5", "Moto G84",
                "Brompton folding bike", "Peugeot 208", "Subaru Outback", "Ford Mustang",
                "Cadillac Escalade", "Lincoln Navigator", "Chevrolet Tahoe", "Hyundai Tucson"]
_P2_BRANDS = ["Ralph Lauren", "Calvin Klein", "Tommy Hilfiger", "Hugo Boss", "Louis Vuitton", "Christian Dior",
              "Yves Saint Laurent", "Ray-Ban", "Rolex", "Omega", "Seiko", "Patek Philippe", "Levi's", "Dr. Martens",
              "Adidas", "Puma", "Le Creuset", "Stanley", "Tiffany", "Cartier", "Montblanc", "Moleskine", "Marshall",
              "Bose", "Bang & Olufsen", "Victorinox", "Oakley", "Timberland", "Clarks", "Barbour", "Burberry",
              "Vera Wang", "Michael Kors", "Kate Spade", "Jimmy Choo", "Hermès", "Ferragamo", "Gucci", "Prada",
              "Estée Lauder", "Paul Smith", "Ted Baker", "Karl Lagerfeld", "Jo Malone", "Tom Ford"]
_P2_THINGS = ["watch", "shirt", "jacket", "handbag", "suitcase", "perfume", "pen", "belt", "scarf", "wallet", "dress",
              "coat", "sweater", "bag"]
_P2_SOFTWARE = ["Microsoft Word", "Adobe Lightroom", "Final Cut Pro", "DaVinci Resolve", "Visual Studio Code",
                "Google Sheets", "Blender", "GIMP", "Figma", "Notion", "Logic Pro", "Ableton Live", "AutoCAD",
                "QuickBooks", "Zoom", "Slack", "Audacity", "LibreOffice Calc", "Premiere Pro", "Photoshop Elements"]
_P2_GAMES = ["Elden Ring", "Baldur's Gate 3", "Hollow Knight", "Stardew Valley", "The Witcher 3", "Minecraft",
             "Animal Crossing", "Red Dead Redemption 2", "Hades", "Celeste", "Disco Elysium", "Final Fantasy VII",
             "Super Mario Odyssey", "Zelda: Breath of the Wild", "Ghost of Tsushima", "Sekiro"]
_P2_CITIES = ["Lisbon", "Ljubljana", "Medellín", "Da Nang", "Osaka", "Cape Town", "Rio de Janeiro", "San Francisco",
              "Montevideo", "Kuala Lumpur", "Accra", "Nairobi", "Reykjavík", "Sarajevo", "Tashkent", "Seville",
              "Antwerp", "Gothenburg", "Krakow", "Budapest", "Dubrovnik", "Istanbul", "Amman", "Muscat", "Jaipur",
              "Kathmandu", "Hoi An", "Busan", "Taipei", "Wellington", "Hobart", "Oaxaca", "Cartagena", "Quito",
              "New Orleans", "Salt Lake City", "Santa Fe", "Marseille", "Bologna", "Valencia", "Zurich", "Salzburg",
              "Bruges", "Tangier", "Luang Prabang", "Yogyakarta", "Manila", "Dakar", "Addis Ababa", "Windhoek"]
# places named after people or bearing given names: a person's name in a place's slot
_P2_NAMED_PLACES = ["Washington", "Houston", "Austin", "Charlotte", "Victoria", "Alexandria", "Georgetown",
                    "Kingston", "Adelaide", "Florence", "Sydney", "Darwin", "Hamilton", "Nelson", "Vancouver",
                    "Pittsburgh", "San Jose", "Santa Barbara", "St. Petersburg", "Lincoln", "Jackson", "Madison",
                    "Raleigh", "Cleveland", "Jacksonville", "Baltimore", "Dallas", "Denver", "Melbourne", "Brisbane",
                    "Port Elizabeth", "Francistown", "Livingstone", "Bolívar", "Stanley", "Albany", "Columbus",
                    "Santiago", "San Antonio", "Fort Worth", "Louisville", "Johannesburg", "Marysville", "Eugene"]
_P2_LANDMARKS = ["the Eiffel Tower", "Machu Picchu", "Angkor Wat", "the Sagrada Família", "the Golden Gate Bridge",
                 "Central Park", "Hyde Park", "the Colosseum", "the Alhambra", "Petra", "the Taj Mahal",
                 "Table Mountain", "the Acropolis", "Neuschwanstein Castle", "Mount Fuji", "the Louvre",
                 "the Rijksmuseum", "Victoria Falls", "Lake Bled", "the Blue Mosque", "St. Peter's Basilica",
                 "the Brandenburg Gate", "the Empire State Building", "Sugarloaf Mountain", "Uluru",
                 "Edinburgh Castle", "the Forbidden City", "Chichen Itza", "Mont Saint-Michel", "Christ the Redeemer",
                 "the Burj Khalifa", "the Sydney Opera House", "Lincoln Memorial", "Mount Rushmore",
                 "Buckingham Palace", "Prague Castle", "Hagia Sophia", "the Pyramids of Giza", "Niagara Falls",
                 "Stonehenge", "the Guggenheim Museum", "the Uffizi", "Lake Titicaca", "the Great Barrier Reef"]
_P2_STREETS = ["Fifth Avenue", "Abbey Road", "the Champs-Élysées", "Bourbon Street", "Lombard Street",
               "Las Ramblas", "Oxford Street", "Nevsky Prospekt", "Orchard Road", "Via del Corso", "Rodeo Drive",
               "Carnaby Street", "Kurfürstendamm", "Wall Street", "Rua Augusta", "Khao San Road", "Nanjing Road",
               "Broadway", "Princes Street", "Grafton Street"]
_P2_REGIONS = ["Tuscany", "Bavaria", "Patagonia", "the Yucatán", "Queensland", "Kerala", "Provence", "Rioja",
               "the Douro Valley", "Napa Valley", "Cappadocia", "Andalusia", "the Scottish Highlands", "Hokkaido",
               "Transylvania", "the Algarve", "Bordeaux", "Burgundy", "Alsace", "Mendoza", "Marlborough",
               "Stellenbosch", "the Mosel", "Sicily", "Crete", "Bali", "Tasmania", "the Lake District", "Yorkshire"]
_P2_COUNTRIES = ["Portugal", "Japan", "Mexico", "Kenya", "Canada", "India", "Germany", "Brazil", "Australia",
                 "South Korea", "Egypt", "Ireland", "Colombia", "Poland", "Vietnam", "Jordan", "Georgia", "Chad"]
_P2_TEAMS = ["Manchester United", "Real Madrid", "the Chicago Bulls", "the Green Bay Packers", "the New York Yankees",
             "the Boston Celtics", "Bayern Munich", "Boca Juniors", "the All Blacks", "the Toronto Raptors",
             "Paris Saint-Germain", "Inter Miami", "Liverpool", "Juventus", "the Dallas Cowboys", "the LA Lakers",
             "Ajax", "Celtic", "Benfica", "Galatasaray", "the Golden State Warriors", "the Kansas City Chiefs",
             "Aston Villa", "Tottenham Hotspur", "Borussia Dortmund", "the Mumbai Indians", "Flamengo"]
_P2_ATHLETES = ["LeBron James", "Cristiano Ronaldo", "Lewis Hamilton", "Novak Djokovic", "Rafael Nadal",
                "Roger Federer", "Naomi Osaka", "Shohei Ohtani", "Virat Kohli", "Erling Haaland", "Max Verstappen",
                "Tom Brady", "Stephen Curry", "Caitlin Clark", "Kylian Mbappé", "Mohamed Salah", "Coco Gauff",
                "Patrick Mahomes", "Giannis Antetokounmpo", "Nikola Jokić", "Jude Bellingham", "Eliud Kipchoge",
                "Mikaela Shiffrin", "Katie Ledecky", "Carlos Alcaraz", "Iga Świątek", "Harry Kane", "Luka Dončić",
                "Sam Kerr", "Alexia Putellas", "Lamine Yamal", "Jannik Sinner", "Ohtani", "Messi", "Ronaldo"]
_P2_CELEBRITIES = ["Tim Cook", "Satya Nadella", "Sundar Pichai", "Jensen Huang", "Emmanuel Macron", "Keir Starmer",
                   "Justin Trudeau", "Narendra Modi", "Olaf Scholz", "Ursula von der Leyen", "Pedro Sánchez",
                   "Giorgia Meloni", "Jeff Bezos", "Warren Buffett", "Bill Gates", "Mark Zuckerberg", "Sam Altman",
                   "Lisa Su", "Mary Barra", "Christine Lagarde", "Jerome Powell", "Kamala Harris", "Donald Trump",
                   "Joe Biden", "Rishi Sunak", "Xi Jinping", "Volodymyr Zelensky", "Zendaya", "Timothée Chalamet",
                   "Margot Robbie", "Dua Lipa", "Billie Eilish", "Ed Sheeran", "Adele", "Keanu Reeves", "Pedro Pascal",
                   "Cillian Murphy", "Greta Gerwig", "Christopher Nolan", "Tom Hanks", "Lady Gaga", "Olivia Rodrigo",
                   "Harry Styles", "Jacinda Ardern", "Lula", "Claudia Sheinbaum", "Mark Rutte", "António Guterres"]
_P2_ORGS = ["the United Nations", "UNESCO", "Médecins Sans Frontières", "the Red Cross", "the World Bank", "NASA",
            "the Smithsonian", "Oxfam", "Greenpeace", "CERN", "the European Space Agency", "the WHO",
            "the Gates Foundation", "the Wellcome Trust", "Amnesty International", "the BBC", "Reuters",
            "the Max Planck Society", "the Royal Society", "the Nobel Foundation", "Johnson & Johnson",
            "Procter & Gamble", "Goldman Sachs", "Morgan Stanley", "Siemens", "Unilever", "Deloitte",
            "Ernst & Young", "McKinsey", "Airbus", "Spotify", "Patagonia", "Ben & Jerry's", "Marks & Spencer"]
_P2_CHARACTERS = ["Harry Potter", "Hermione Granger", "Sherlock Holmes", "Elizabeth Bennet", "Frodo Baggins",
                  "Katniss Everdeen", "Tony Stark", "Bruce Wayne", "Peter Parker", "Mario", "Lara Croft",
                  "Geralt of Rivia", "Anne Shirley", "Jay Gatsby", "Atticus Finch", "Paddington", "Hercule Poirot",
                  "Miss Marple", "Luke Skywalker", "Indiana Jones", "James Bond", "Jack Sparrow", "Homer Simpson"]
_P2_PRIVATE_STREETS = ["Wrenfield Close", "Calderbank Road", "Ostrova ulica", "Tamsworth Lane", "Bellhaven Drive"]


def generate_public2(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    names = _OutsideNames(seed)
    labels = {"person": "PERSON", "first": "PERSON", "athlete": "PERSON", "athlete2": "PERSON",
              "celebrity": "PERSON", "city": "GPE", "city2": "GPE", "namedplace": "GPE", "region": "GPE",
              "country": "GPE", "landmark": "LOCATION", "landmark2": "LOCATION", "street": "LOCATION",
              "team": "ORGANIZATION", "team2": "ORGANIZATION", "org": "ORGANIZATION", "date": "DATE_TIME"}  # fmt: skip
    out = []
    for _ in range(n):
        tid = rng.randrange(len(PUBLIC2_TEMPLATES))
        expect, template = PUBLIC2_TEMPLATES[tid].split("|", 1)
        template = template.replace("\\n", "\n")
        given, _family = names.pair(rng)
        products, brands = rng.sample(_P2_PRODUCTS, 2), rng.sample(_P2_BRANDS, 2)
        cities, landmarks = rng.sample(_P2_CITIES, 2), rng.sample(_P2_LANDMARKS, 2)
        teams, athletes = rng.sample(_P2_TEAMS, 2), rng.sample(_P2_ATHLETES, 2)
        year = rng.randint(1900, 2026)
        date = rng.choice([f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {year}", f"{rng.choice(MONTHS)} {rng.randint(1, 28)}, {year}",
                           f"{rng.choice(MONTHS)} {rng.randint(1, 28)}", f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"])
        values = {
            "person": names.person(rng), "first": given, "product": products[0], "product2": products[1],
            "brand": brands[0], "brand2": brands[1], "thing": rng.choice(_P2_THINGS), "software": rng.choice(_P2_SOFTWARE),
            "game": rng.choice(_P2_GAMES), "city": cities[0], "city2": cities[1], "namedplace": rng.choice(_P2_NAMED_PLACES),
            "landmark": landmarks[0], "landmark2": landmarks[1], "street": rng.choice(_P2_STREETS),
            "region": rng.choice(_P2_REGIONS), "country": rng.choice(_P2_COUNTRIES), "team": teams[0], "team2": teams[1],
            "athlete": athletes[0], "athlete2": athletes[1], "celebrity": rng.choice(_P2_CELEBRITIES),
            "org": rng.choice(_P2_ORGS), "character": rng.choice(_P2_CHARACTERS), "month": rng.choice(MONTHS),
            "year": str(year), "date": date, "number": str(rng.randint(2, 180)), "privstreet": rng.choice(_P2_PRIVATE_STREETS),
        }  # fmt: skip
        text, spans, pos = "", [], 0
        for m in re.finditer(r"\{(\w+)\}", template):
            text += template[pos : m.start()]
            key = m.group(1)
            value = values[key]
            if key in labels:
                spans.append({"entity_type": labels[key], "start_position": len(text), "end_position": len(text) + len(value)})
            elif key == "privstreet":  # "{number} {privstreet}, {city}": one address block
                spans.append({"entity_type": "STREET_ADDRESS", "start_position": len(text) - len(values["number"]) - 1,
                              "end_position": len(text) + len(value)})
            text += value
            pos = m.end()
        text += template[pos:]
        if rng.random() < 0.1:
            text = text.lower()  # typed without capitals
        out.append({"full_text": text, "spans": spans, "template_id": f"public2-{tid}", "metadata": {"expect": expect}})
    return out


_LABEL = {"name": "PERSON", "name2": "PERSON", "given": "PERSON", "family": "PERSON", "given3": "PERSON",
          "family3": "PERSON", "family2": "PERSON", "wfamily": "PERSON", "wfamily2": "PERSON", "wgiven": "PERSON", "lgiven": "PERSON",
          "lfamily": "PERSON", "famous": "PERSON", "famous2": "PERSON", "famous_pos": "PERSON",
          "address": "STREET_ADDRESS", "address2": "STREET_ADDRESS", "city": "GPE", "city2": "GPE", "city3": "GPE",
          "country": "GPE",
          "company": "ORGANIZATION", "date": "DATE_TIME"}  # fmt: skip


def _pick(rng: random.Random, pools: dict[str, str]) -> str:
    return rng.choice(pools[rng.choice(list(pools))].split())


def generate(n: int, seed: int, templates: list[str] | None = None) -> list[dict]:
    templates = TEMPLATES if templates is None else templates
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        tid = rng.randrange(len(templates))
        expect, template = templates[tid].split("|", 1)
        template = template.replace("\\n", "\n")
        region = rng.choice(list(GIVEN))
        given, family = rng.choice(GIVEN[region].split()), rng.choice(FAMILY[region].split())
        famous = rng.choice(FAMOUS)
        role = rng.choice(ROLES)
        values = {
            # Hungarian names are written family name first at home, given name first abroad
            "name": f"{family} {given}" if region == "hu" and rng.random() < 0.5 else f"{given} {family}",
            "name2": f"{_pick(rng, GIVEN)} {_pick(rng, FAMILY)}",
            "given": given,
            "family": family,
            "given3": _pick(rng, GIVEN),
            "family3": _pick(rng, FAMILY),
            "wfamily": rng.choice(WORD_FAMILY),
            "wfamily2": rng.choice(WORD_FAMILY),
            "wgiven": rng.choice(WORD_GIVEN),
            "lgiven": given.lower(),
            "lfamily": family.lower(),
            "famous": famous,
            "famous2": rng.choice([f for f in FAMOUS if f != famous]),
            "famous_pos": famous + "'s",
            "role": role,
            "Role": role[0].upper() + role[1:],
            "title": rng.choice(TITLES),
            "address": _address(rng),
            "city": rng.choice(CITIES),
            "city2": rng.choice(CITIES),
            "country": rng.choice(COUNTRIES),
            "company": rng.choice(COMPANIES),
            "date": _date(rng),
            "condition": rng.choice(CONDITIONS),
            "product": rng.choice(PRODUCTS),
            "product2": rng.choice(PRODUCTS),
            "work": rng.choice(WORKS),
            "month": rng.choice(MONTHS),
        }
        if templates is not TEMPLATES:  # (drawn only here: the main set's sentences stay as they were)
            values.update(title2=rng.choice(TITLES), family2=_pick(rng, FAMILY), address2=_address_extra(rng),
                          city3=rng.choice(CITIES))
        text, spans, pos = "", [], 0
        for m in re.finditer(r"\{(\w+)\}", template):
            text += template[pos : m.start()]
            key = m.group(1)
            value = values[key]
            label = _LABEL.get(key)
            if key == "famous_pos":
                value = famous + "'s"
                spans.append({"entity_type": "PERSON", "start_position": len(text), "end_position": len(text) + len(famous)})
            elif label:
                spans.append({"entity_type": label, "start_position": len(text), "end_position": len(text) + len(value)})
            text += value
            pos = m.end()
        text += template[pos:]
        prefix = "fresh" if templates is TEMPLATES else "extra"
        out.append({"full_text": text, "spans": spans, "template_id": f"{prefix}-{tid}", "metadata": {"expect": expect}})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True, help="a path outside the repository")
    ap.add_argument("--n", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--set", choices=("main", "extra", "outside", "held", "figures", "private2", "public2"),
                    default="main",
                    help="extra: the second template set (acc16c); outside: the third (pii16d, needs faker); "
                    "held: the fourth (pii16e, needs faker); figures: the fifth (pii16g, for tuning, needs faker); "
                    "private2: the sixth (priv16h, for tuning); "
                    "public2: the seventh (pub16h, for tuning the public side, needs faker)")
    args = ap.parse_args()
    if args.set == "outside":
        data = generate_outside(args.n, args.seed)
    elif args.set == "held":
        data = generate_held(args.n, args.seed)
    elif args.set == "figures":
        data = generate_figures(args.n, args.seed)
    elif args.set == "private2":
        data = generate_private2(args.n, args.seed)
    elif args.set == "public2":
        data = generate_public2(args.n, args.seed)
    else:
        data = generate(args.n, args.seed, EXTRA_TEMPLATES if args.set == "extra" else None)
    args.out.write_text(json.dumps(data, ensure_ascii=False, indent=0), encoding="utf-8")
    print(f"wrote {len(data)} sentences to {args.out}")


if __name__ == "__main__":
    main()
