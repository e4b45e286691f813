"""Entities stage: sentence -> (name, type, country, role, sector) tables, gazetteer lookups, seed."""
from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import SHARED, needs_shared

from eventdesk import countries
from eventdesk.entities import countries_from_sentences, extract_entities, find_entity, with_mention
from eventdesk.model import Article, Span

ANY = object()  # a column the row does not check


def read(nlp, text: str, title: str | None = None):
    article = Article(id=None, body=text, title=title)
    return extract_entities(nlp(text), nlp(title) if title else None, article=article)


def by_name(entities, name: str):
    hits = [e for e in entities if e.name.lower() == name.lower()]
    assert len(hits) == 1, f"{name!r}: {[(e.name, e.type) for e in entities]}"
    return hits[0]


# sentence, name, type, country, role (containment, lower case), sector
CASES = [
    ("Azerbaijani President Ilham Aliyev said Friday that Baku was giving Armenia a last chance.",
     "Ilham Aliyev", "PERSON", "AZE", "president", "GOV"),
    ("Azerbaijani President Ilham Aliyev said Friday that Baku was giving Armenia a last chance.",
     "Baku", "GPE", "AZE", None, ANY),
    ("Following talks between President of Azerbaijan Ilham Aliyev and his rival, the truce held.",
     "Ilham Aliyev", "PERSON", "AZE", "president", "GOV"),
    ("Following talks between President of Azerbaijan Ilham Aliyev and Prime Minister of Armenia "
     "Nikol Pashinyan, the Kremlin said a truce was agreed.", "Nikol Pashinyan", "PERSON", "ARM", "prime minister", "GOV"),
    ("Following talks between President of Azerbaijan Ilham Aliyev and Prime Minister of Armenia "
     "Nikol Pashinyan, the Kremlin said a truce was agreed.", "Kremlin", "ORG", "RUS", None, "GOV"),
    ("\"It has begun,\" Russian Foreign Ministry spokeswoman Maria Zakharova said on Facebook.",
     "Maria Zakharova", "PERSON", "RUS", "foreign ministry spokeswoman", "GOV"),
    ("Russia's foreign ministry spokesperson Maria Zakharova said the talks had begun.",
     "Maria Zakharova", "PERSON", "RUS", "spokesperson", "GOV"),
    ("Maria Zakharova, the Russian foreign ministry spokeswoman, said Moscow was ready to help.",
     "Maria Zakharova", "PERSON", "RUS", "spokeswoman", "GOV"),
    ("The Kremlin extended the invitation to Azerbaijani Foreign Minister Jeyhun Bayramov and his "
     "Armenian counterpart Zohrab Mnatsakanyan on Friday.", "Jeyhun Bayramov", "PERSON", "AZE", "foreign minister", "GOV"),
    ("The Kremlin extended the invitation to Azerbaijani Foreign Minister Jeyhun Bayramov and his "
     "Armenian counterpart Zohrab Mnatsakanyan on Friday.", "Zohrab Mnatsakanyan", "PERSON", "ARM", "foreign minister", "GOV"),
    ("Armenia and Azerbaijan began talks over the disputed Nagorno-Karabakh region.",
     "Nagorno-Karabakh", "GPE", "AZE", None, "PRE"),
    ("Washington, Paris and Moscow are co-chairs of the Organization for Security and Co-operation "
     "in Europe's Minsk Group.", "Minsk Group", "ORG", None, None, "IGO"),
    ("Washington, Paris and Moscow are co-chairs of the Organization for Security and Co-operation "
     "in Europe's Minsk Group.", "Organization for Security and Co-operation in Europe", "ORG", None, None, "IGO"),
    ("Washington, Paris and Moscow are co-chairs of the group.", "Paris", "GPE", "FRA", None, ANY),
    ("Washington, Paris and Moscow are co-chairs of the group.", "Washington", "GPE", "USA", None, ANY),
    ("\"Baku and Yerevan confirmed their participation in talks in Moscow,\" she said.",
     "Yerevan", "GPE", "ARM", None, ANY),
    # general news
    ("U.S. Secretary of State Antony Blinken met Chinese Foreign Minister Wang Yi in Beijing.",
     "Antony Blinken", "PERSON", "USA", "secretary of state", "GOV"),
    ("U.S. Secretary of State Antony Blinken met Chinese Foreign Minister Wang Yi in Beijing.",
     "Wang Yi", "PERSON", "CHN", "foreign minister", "GOV"),
    ("Ukrainian President Volodymyr Zelenskiy said the shelling continued overnight.",
     "Volodymyr Zelenskiy", "PERSON", "UKR", "president", "GOV"),
    ("French President Emmanuel Macron said on Tuesday that France would send more aid.",
     "Emmanuel Macron", "PERSON", "FRA", "president", "GOV"),
    ("Israeli Prime Minister Benjamin Netanyahu said Hamas militants had fired rockets from Gaza.",
     "Benjamin Netanyahu", "PERSON", "ISR", "prime minister", "GOV"),
    ("Israeli Prime Minister Benjamin Netanyahu said Hamas militants had fired rockets from Gaza.",
     "Hamas", "ORG", "PSE", None, "REB"),
    ("The Pentagon said the strike killed a senior Islamic State commander in Syria.",
     "Pentagon", "ORG", "USA", None, "MIL"),
    ("The Pentagon said the strike killed a senior Islamic State commander in Syria.",
     "Islamic State", "ORG", None, None, "REB"),
    ("Ukrainian officials said Russian troops had shelled the city.", "Russian troops", "NORP", "RUS", None, "MIL"),
    ("Ukrainian officials said Russian troops had shelled the city.", "Ukrainian officials", "NORP", "UKR", None, "GOV"),
    ("Downing Street said the prime minister would call the White House.", "Downing Street", "ORG", "GBR", None, "GOV"),
    ("Downing Street said the prime minister would call the White House.", "White House", "ORG", "USA", None, "GOV"),
    ("\"We will not allow this,\" Kremlin spokesman Dmitry Peskov told reporters.",
     "Dmitry Peskov", "PERSON", "RUS", "spokesman", "GOV"),
    ("Chinese Foreign Ministry spokesman Zhao Lijian said Beijing opposed the move.",
     "Zhao Lijian", "PERSON", "CHN", "foreign ministry spokesman", "GOV"),
    ("UN Secretary-General Antonio Guterres urged both sides to show restraint.",
     "Antonio Guterres", "PERSON", None, "secretary-general", "IGO"),
    ("Sen. Bernie Sanders criticized the plan on Sunday.", "Bernie Sanders", "PERSON", None, "senator", "LEG"),
    ("Gen. Mark Milley spoke to reporters at the Pentagon.", "Mark Milley", "PERSON", None, "general", "MIL"),
    ("Nigerian police said Boko Haram fighters attacked a village.", "Nigerian police", "NORP", "NGA", None, "COP"),
    ("Nigerian police said Boko Haram fighters attacked a village.", "Boko Haram", "ORG", "NGA", None, "REB"),
    ("Syrian rebels clashed with government forces near Idlib.", "Syrian rebels", "NORP", "SYR", None, "REB"),
    ("The Russian Orthodox Church and the Chinese Communist Party issued statements.",
     "Chinese Communist Party", "ORG", "CHN", None, "PTY"),
    ("Saudi Crown Prince Mohammed bin Salman met Qatar's emir Sheikh Tamim bin Hamad al-Thani.",
     "Tamim bin Hamad al-Thani", "PERSON", "QAT", "emir", "GOV"),
    ("Brazil's President Jair Bolsonaro said the fires were under control.",
     "Jair Bolsonaro", "PERSON", "BRA", "president", "GOV"),
    ("Former President Donald Trump said the election was stolen.", "Donald Trump", "PERSON", None, "president", "ELI"),
    ("The European Union and NATO condemned the attack, while the EU's foreign policy chief "
     "Josep Borrell called for calm.", "Josep Borrell", "PERSON", None, "chief", "IGO"),
    ("The European Union and NATO condemned the attack.", "North Atlantic Treaty Organization", "ORG", None, None, "IGO"),
    ("British Prime Minister Boris Johnson said Britain would act.", "United Kingdom", "GPE", "GBR", None, ANY),
    ("King Hassan of Morocco welcomed the agreement.", "Hassan", "PERSON", "MAR", "king", "GOV"),
    ("The US Congress approved the aid package on Friday.", "US Congress", "ORG", "USA", None, "LEG"),
    ("North Korean leader Kim Jong Un oversaw a missile test, the KCNA news agency said.",
     "Kim Jong Un", "PERSON", "PRK", "leader", "GOV"),
]


@pytest.mark.parametrize("text,name,type_,country,role,sector", CASES)
def test_entity_table(nlp, text, name, type_, country, role, sector):
    entity = by_name(read(nlp, text), name)
    assert entity.type == type_
    assert entity.country == country
    if role is None:
        assert entity.role is None
    else:
        assert role in (entity.role or "").lower()
    if sector is not ANY:
        assert entity.sector == sector


# text, (name, type) pairs that must not be entities (type "*" = any type)
NOT_ENTITIES = [
    ("Armenia, Azerbaijan begin first high-level talks on Karabakh since clashes", "Karabakh", "PERSON"),
    ("Azerbaijani President Ilham Aliyev spoke as the Armenian and Azerbaijani foreign ministers began talks.",
     "Azerbaijani", "PERSON"),
    ("Armenia and Azerbaijan began talks over the disputed Nagorno-Karabakh region.", "Nagorno-Karabakh", "ORG"),
    ("Talks between President of Azerbaijan Ilham Aliyev and Prime Minister of Armenia Nikol Pashinyan began.",
     "Armenia Nikol Pashinyan", "*"),
    ("\"Baku and Yerevan confirmed their participation in talks in Moscow,\" Maria Zakharova said.",
     "Baku and Yerevan confirmed", "*"),
    ("The photo was posted on Maria Zakharova's Facebook page.", "Maria Zakharova's", "*"),
    ("Foreign ministers met in Moscow. /Russian Foreign Ministry spokeswoman Maria Zakharova's Facebook",
     "/Russian Foreign Ministry", "*"),
    ("Michael Jordan visited Amman, the capital of Jordan.", "Michael", "*"),
]


@pytest.mark.parametrize("text,bad,type_", NOT_ENTITIES)
def test_not_entities(nlp, text, bad, type_):
    for entity in read(nlp, text):
        texts = {entity.name.lower(), *(m.text.lower() for m in entity.mentions)}
        assert not (bad.lower() in texts and type_ in ("*", entity.type)), entity


def test_one_entity_per_referent(nlp):
    text = ("Azerbaijani President Ilham Aliyev said Baku was ready. \"This is their last chance,\" Aliyev said. "
            "Later, President of Azerbaijan Ilham Aliyev spoke to Armenia. Armenia did not answer.")
    entities = read(nlp, text)
    aliyev = by_name(entities, "Ilham Aliyev")
    assert [m.text for m in aliyev.mentions] == ["Ilham Aliyev", "Aliyev", "Ilham Aliyev"]
    assert len(by_name(entities, "Armenia").mentions) == 2


def test_acronym_and_parent_org_join(nlp):
    entities = read(nlp, "The OSCE Minsk Group met in Vienna. The Minsk Group has mediated since 1992.")
    group = by_name(entities, "Minsk Group")
    assert [m.text for m in group.mentions] == ["OSCE Minsk Group", "Minsk Group"]
    nato = read(nlp, "The North Atlantic Treaty Organization met on Monday. NATO said it would help.")
    assert len(by_name(nato, "North Atlantic Treaty Organization").mentions) == 2


def test_headline_mentions_join_body(nlp):
    title = "Armenia, Azerbaijan begin talks on Karabakh"
    entities = read(nlp, "Armenia and Azerbaijan began talks over Nagorno-Karabakh.", title)
    armenia = by_name(entities, "Armenia")
    assert {m.where for m in armenia.mentions} == {"body", "title"}
    region = by_name(entities, "Nagorno-Karabakh")
    # headline mentions come first, as with_mention orders them
    assert [(m.text, m.where) for m in region.mentions] == [("Karabakh", "title"), ("Nagorno-Karabakh", "body")]
    for entity in entities:
        for m in entity.mentions:
            assert m.text == (title if m.where == "title" else "Armenia and Azerbaijan began talks over "
                              "Nagorno-Karabakh.")[m.start:m.end]


def test_country_from_nameless_role_phrase(nlp):
    text = ("With President Vladimir Putin calling for a halt, the Kremlin invited Azerbaijani President "
            "Ilham Aliyev. \"The president of Russia calls for a halt to military actions,\" the Kremlin said.")
    entities = read(nlp, text)
    assert by_name(entities, "Vladimir Putin").country == "RUS"


def test_no_country_from_another_person_in_the_same_sentence(nlp):
    entities = read(nlp, "President Joe Biden spoke with the president of Ukraine on Monday.")
    assert by_name(entities, "Joe Biden").country is None


# sentence, person, country the sentence gives it (None: it names another side, or several countries)
SENTENCE_COUNTRIES = [
    ("Ousted President Askar Akayev has agreed to resign without returning to Kyrgyzstan.", "Askar Akayev", "KGZ"),
    ("President Yoweri Museveni has banned Ugandan opposition candidates from the elections.", "Yoweri Museveni", "UGA"),
    ("President Ana Lopez imposed a curfew in Chile and Peru.", "Ana Lopez", None),
    ("President John Smith visited China on Monday.", "John Smith", None),
    ("President Jan Novak gave a warm welcome to South African leader Piet Botha.", "Jan Novak", None),
]


@pytest.mark.parametrize("text,name,country", SENTENCE_COUNTRIES)
def test_person_takes_the_one_country_of_its_sentences(nlp, text, name, country):
    entities = countries_from_sentences(read(nlp, text), nlp(text))
    assert by_name(entities, name).country == country


@pytest.mark.parametrize("text,name,country", [
    ("Bosnian Serbs demanded a truce.", "Bosnian Serbs", "BIH"),
    ("Iraqi Kurds protested in Erbil.", "Iraqi Kurds", "IRQ"),
])
def test_people_named_with_their_country(nlp, text, name, country):
    entity = by_name(read(nlp, text), name)
    assert (entity.type, entity.country) == ("NORP", country)


@pytest.mark.parametrize("text,kind,country", [
    ("Russia", "country", "RUS"), ("Russian Federation", "country", "RUS"), ("the United States", "country", "USA"),
    ("U.S.", "country", "USA"), ("Britain", "country", "GBR"), ("Azerbaijanis", "demonym", "AZE"),
    ("Frenchmen", "demonym", "FRA"), ("Baku", "capital", "AZE"), ("Texas", "state", "USA"),
    ("the Kremlin", "metonym", "RUS"), ("Nagorno-Karabakh", "region", "AZE"), ("Puerto Rico", "country", "USA"),
    ("OSCE", "igo", None), ("Latin American", "demonym", None),
])
def test_gazetteer_lookup(text, kind, country):
    hit = countries.lookup(text)
    assert hit is not None and (hit.kind, hit.country) == (kind, country)


@pytest.mark.parametrize("text", ["us", "who", "said", "Michael"])
def test_gazetteer_ignores_words(text):
    assert countries.lookup(text) is None


def test_every_country_has_a_demonym():
    import pycountry
    named = {code for code, _ in countries.demonyms().values() if code}
    uninhabited = {"ATA", "ATF", "BVT", "HMD", "IOT", "SGS", "SJM", "UMI", "COG", "DMA"}
    missing = {countries.fold(c.alpha_3) for c in pycountry.countries} - named - uninhabited
    assert not missing


def test_find_entity_and_with_mention(nlp):
    entities = read(nlp, "Azerbaijani President Ilham Aliyev said Baku was ready. He spoke on TV.")
    aliyev = find_entity(entities, 22, 34)
    assert aliyev is not None and aliyev.name == "Ilham Aliyev"
    out = with_mention(entities, aliyev.id, Span(56, 58, "He"))
    assert [m.text for m in by_name(out, "Ilham Aliyev").mentions] == ["Ilham Aliyev", "He"]


@needs_shared
def test_seed_entities_pass_check_seed():
    checks = SHARED / "eval" / "check_seed.py"
    run = f"{sys.executable} -m eventdesk extract {{in}}"
    proc = subprocess.run([sys.executable, str(checks), "--only", "article,entities", "--run", run],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
