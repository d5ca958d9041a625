"""Safety triage, run on every message before anything else: emergency, medication change, or neither.

How the parts combine (each measured on blind evaluation sets, see the README):
1. Another language: its emergency phrases, or the classifier at its threshold, make the message
   urgent; either way the reply says, in that language, that the bot reads English only and gives the
   emergency number.
2. The red-flag catalogue with its context rules: a sign affirmed *and* said to be happening now
   ("my chest is crushing right now") is a clear red flag and always wins.
3. The classifier's P(urgent), over the whole message and every window of three sentences (an
   emergency at the end of a long story is not diluted), against a threshold set by what the catalogue
   found: low when a red-flag rule is affirmed ("i want to kill myself"), standard when signs are
   mentioned, a little higher when no sign is mentioned at all, and much higher when the context rules
   cleared every sign (negated, past, hypothetical): context is what tells "my mum had a stroke in
   2015" from "my mum is having a stroke". The four thresholds are chosen together by
   ``training/train_safety.py`` on cross-validated predictions, within false-alarm ceilings. When the
   classifier finds a change to a medicine likelier than an emergency ("i feel like giving up on
   treatment"), the medication guard answers instead.
4. Medication: the classifier's P(medication) at its threshold, or a medication-change phrase of the
   catalogue that the classifier does not rule out (``PHRASE_FLOOR``).
   Missed dose: the ``missed_dose`` concept of the same catalogue (forgot, missed, did not take, late,
   ran out... near a tablet or dose; not ruled out by a question or the past, only by a denial such as
   "i never miss it"). It adds the fixed "follow the leaflet or ask your pharmacist" reply; it does not
   change the guard's decision, which still follows point 4.
5. Defence in depth: a red flag mentioned but not urgent (a general question, a past event, a mild
   symptom) sets ``caution``, so the answer is led by "if you are having ... right now, call ...".
The whole message is read, however long (only its first ``MAX_TRIAGE_CHARS`` characters for pathological
inputs, far beyond Telegram's 4,096).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.safety.catalogue import Catalogue, Concept, Prepared, all_phrases
from bot.safety.context import ContextRules
from bot.safety.language import Foreign, LanguageGuard, LanguageLexicon
from bot.safety.phrases import Corrector, clauses, vocabulary
from bot.safety.texts import SafetyTexts
from bot.textmodel import TextModel, windows

MAX_TRIAGE_CHARS = 50_000
# A medication-change phrase ("stop" near "anastrozole") counts when the classifier gives a change to a
# medicine at least this probability: "my bleeding wouldnt stop after zometa" has the words, not the intent.
PHRASE_FLOOR = 0.05
WINDOW = 3  # sentences per window of a long message
GENERIC = Concept("emergency", "a medical emergency", ("nhs_first_aid",), ())
GUARD, MISSED_DOSE = "guard", "missed_dose"  # the kinds of rules in medication_changes.yaml
MISSED_DENIALS = frozenset({"not_missed"})  # findings of medication_changes.yaml that rule a missed dose out


@dataclass(frozen=True)
class Verdict:
    """The outcome of triage.

    ``urgent``: the emergency concept (its label and reply extra), or None. ``medication``: a change to a
    medicine is asked about. ``missed_dose``: a missed (forgotten, late) dose is asked about or told.
    ``caution``: a red flag mentioned but not urgent. ``foreign``: the message is
    in another language. ``someone_else``: the emergency is another person's. ``why``: which part decided
    (``catalogue``, ``classifier``, ``language``), and ``p_urgent`` the classifier's probability.
    """

    urgent: Concept | None = None
    medication: bool = False
    caution: Concept | None = None
    missed_dose: bool = False
    # A medication-change phrase of the catalogue is in the message, whatever the classifier says: used
    # before anything is stored from a message (a reminder "to stop my anastrozole" gets the guard).
    medication_phrase: bool = False
    foreign: Foreign | None = None
    someone_else: bool = False
    why: str = ""
    p_urgent: float = 0.0

    @property
    def kind(self) -> str | None:
        """Return "urgent", "medication" or None."""
        if self.urgent is not None:
            return "urgent"
        return "medication" if self.medication else None


def urgent_probability(probabilities: dict[str, float]) -> float:
    """Return P(urgent): the sum over the ``urgent:<concept>`` classes."""
    return sum(p for name, p in probabilities.items() if name.startswith("urgent"))


def likeliest_concept(probabilities: dict[str, float]) -> str | None:
    """Return the most probable urgent concept, or None when the model has no concept classes."""
    concepts = [(p, name.partition(":")[2]) for name, p in probabilities.items() if name.startswith("urgent:")]
    return max(concepts)[1] if concepts else None


class Triage:
    """Everything triage reads, loaded once: catalogues, context rules, classifier, other languages."""

    def __init__(
        self,
        red_flags: Catalogue,
        medication: Catalogue,
        context: ContextRules,
        model: TextModel,
        languages: LanguageLexicon,
        english: frozenset[str],
        missed_model: TextModel | None = None,
        missed_cues: tuple[str, ...] = (),
    ) -> None:
        """Combine the loaded parts; ``english`` is the set of words known to be English; ``missed_model``
        (``models/missed_dose.npz``, when present) reads missed doses beside the catalogue's concept."""
        self.red_flags = red_flags
        self.medication = medication
        self.context = context
        self.model = model
        self.concepts = {concept.id: concept for concept in red_flags.concepts}
        vocab = vocabulary(all_phrases([red_flags, medication, context]))
        self.corrector = Corrector(vocab, english)
        self.language = LanguageGuard(languages, english | vocab)
        self.thresholds = model.thresholds
        self.urgent_threshold = model.thresholds["urgent_mentioned"]
        self.medication_threshold = model.thresholds["medication"]
        self.missed_model = missed_model
        self.missed_threshold = missed_model.thresholds["missed_dose"] if missed_model is not None else 1.0
        # A word that starts with a cue ("forg" -> forgot), or a cue phrase anywhere (safety.yaml).
        words = [re.escape(c) for c in missed_cues]
        self.missed_cues = re.compile(r"\b(?:" + "|".join(words) + ")", re.IGNORECASE) if words else None

    def check(self, message: str) -> Verdict:
        """Return the triage verdict for a whole message."""
        text = message[:MAX_TRIAGE_CHARS]
        foreign = self.language.check(text)
        p_urgent, concept_guess, p_medication = self._classify(text)
        if foreign is not None:
            by_model = self._p_missed(text) >= self.missed_threshold
            # A message the bot cannot read: an emergency phrase of that language, or the classifier (whose
            # character n-grams were trained on some messages in other languages), makes it urgent.
            guess = foreign.concept or (concept_guess if p_urgent >= self.urgent_threshold else None)
            concept = self.concepts.get(guess, GENERIC) if guess else None
            medication = concept is None and p_medication >= self.medication_threshold
            return Verdict(
                urgent=concept, medication=medication, foreign=foreign, why="language" if concept else "", p_urgent=p_urgent,
                missed_dose=concept is None and by_model, medication_phrase=self.mentions_medication_change(text),
            )
        prepared = Prepared(text, self.context, self.corrector)  # words and context read once for both
        flags = self.red_flags.match(text, self.context, self.corrector, prepared)
        changes = self.medication.match(text, self.context, self.corrector, prepared)
        missed = bool(changes.hits(MISSED_DOSE))
        phrase = changes.hit is not None
        medication = p_medication >= self.medication_threshold or (
            p_medication >= PHRASE_FLOOR and bool(changes.hits(GUARD))
        )
        caution = flags.cautions[0] if flags.cautions else None
        if flags.hit is not None and (flags.said_now or p_urgent >= self.thresholds["urgent_affirmed"]):
            return Verdict(  # an emergency is answered alone: the missed-dose model is not asked
                urgent=flags.hit, medication=medication, someone_else=flags.someone_else, why="catalogue",
                p_urgent=p_urgent, missed_dose=missed, medication_phrase=phrase,
            )
        # The model counts unless the catalogue's denials are there ("i never miss it", "remind me to").
        p_missed = self._p_missed(text)
        by_model = p_missed >= self.missed_threshold
        denied = any(o.finding in MISSED_DENIALS for o in changes.occurrences)
        missed = missed or (by_model and not denied)
        if not flags.occurrences:
            needed = self.thresholds["urgent_none"]
        elif flags.hit is None and any(not o.assessment.affirmed for o in flags.occurrences):
            needed = self.thresholds["urgent_cleared"]
        else:
            needed = self.urgent_threshold
        medicine_first = p_medication > p_urgent  # the model reads a change to a medicine, not an emergency
        # Without a red flag of the catalogue, a message the missed-dose model is surer of than of an
        # emergency is about a dose ("threw up half an hour after my tablet"), not an emergency.
        dose_first = by_model and p_missed > p_urgent
        if p_urgent >= needed and not medicine_first and not dose_first:
            concept = flags.hit or self.concepts.get(concept_guess or "", GENERIC)
            return Verdict(
                urgent=concept, medication=medication, someone_else=flags.someone_else, why="classifier",
                p_urgent=p_urgent, missed_dose=missed, medication_phrase=phrase,
            )
        return Verdict(medication=medication, caution=caution or flags.hit, p_urgent=p_urgent, missed_dose=missed,
                       medication_phrase=phrase)

    def _p_missed(self, text: str) -> float:
        """P(missed dose) from the model, 0 without one or without a dose-event cue in the text."""
        if self.missed_model is None or (self.missed_cues is not None and self.missed_cues.search(text) is None):
            return 0.0
        return self.missed_model.probabilities(text)["missed_dose"]

    def mentions_medication_change(self, message: str) -> bool:
        """Return True when a medication-change phrase of the catalogue ("stop" near "anastrozole") is in
        the message, whatever the classifier says: used before anything is stored from a message (a
        reminder "to stop my anastrozole" gets the prescriber guard, not a reminder)."""
        return self.medication.match(message[:MAX_TRIAGE_CHARS], self.context, self.corrector).hit is not None

    def _classify(self, text: str) -> tuple[float, str | None, float]:
        """Return P(urgent) (the highest over the message and its 3-sentence windows), the likeliest
        emergency concept there, and P(medication) of the whole message."""
        whole = self.model.probabilities(text)
        best, best_probs = urgent_probability(whole), whole
        sentences = clauses(text)
        for counts in windows([self.model.counts(s) for s in sentences] if len(sentences) > WINDOW else []):
            probs = self.model.probabilities_of(counts)
            p = urgent_probability(probs)
            if p > best:
                best, best_probs = p, probs
        return best, likeliest_concept(best_probs), whole.get("medication", 0.0)

    @classmethod
    def load(cls, root: Path, english: frozenset[str]) -> Triage:
        """Load every safety file under ``root`` (the knowledge folder); KnowledgeError on problems."""
        return cls(
            Catalogue.load(root / "red_flags.yaml", "urgent"),
            Catalogue.load(root / "medication_changes.yaml", GUARD, MISSED_DOSE),
            ContextRules.load(root / "context.yaml"),
            TextModel.load(root / "models" / "safety.npz"),
            LanguageLexicon.load(root / "other_languages.yaml"),
            english,
            TextModel.load(missed) if (missed := root / "models" / "missed_dose.npz").is_file() else None,
            SafetyTexts.load(root / "safety.yaml").missed_dose_cues,
        )
