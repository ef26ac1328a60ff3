"""Word cues the episode builder reads around mentions (pure regexes, compiled once).

Each cue is a class of phrasing, not one document's wording: the phase of an episode
(step-up vs later), whether an interval describes dosing or recurrence, premedication,
infection work-up results and attribution of a fever to infection.
"""

from __future__ import annotations

import re

INITIAL_PHASE = re.compile(
    r"\b(?:step[- ]?up|priming|first (?:full |treatment )?dose|initial dos|post[- ]first|"
    r"after the first|(?:cycle|C)\s?1\b|C1\s?D\d|ramp[- ]?up|dose escalation|first cycle|"
    r"first week|initial phase|lead[- ]in|(?:the )?first (?:infusion|injection|administration)|"
    r"early(?:[- ]onset)? CRS|early,? (?:cell[- ]expansion|expansion)[- ]phase)",
    re.IGNORECASE,
)
LATE_PHASE = re.compile(
    r"\b(?:recurren\w*|recurr\w+|recur|recurs|again|subsequent\w*|later|late\b|late-onset|"
    r"maintenance|outpatient|each|every|after every|consistently|repeated\w*|repetitive|cyclic\w*|"
    r"periodic\w*|thereafter|ongoing|throughout|re-?emerg\w*|return\w*|persist\w*|"
    r"(?:cycle|C)\s?(?:[2-9]|\d\d)\b|C(?:[2-9]|\d\d)\s?D\d|months? (?:later|after|into)|"
    r"beyond|after (?:transition|recovery)|regular intervals|predictabl\w*|monthly|weekly|"
    r"biweekly|fortnightly|consecutive|months? (?:[2-9]|\d\d)\b|(?:second|third|fourth|fifth|sixth) month|"
    r"q\d{1,2}w|every (?:two|three|four|2|3|4) weeks|"
    r"each (?:dose|infusion|injection|administration)|(?:most|many) (?:weeks|months|doses|injections|infusions)|"
    r"nearly always|almost always|usually)",
    re.IGNORECASE,
)
# a recurrence denied: "it did not recur", "no recurrence", "never returned"
_DENIAL = r"\b(?:did not|didn't|does not|has not|had not|never|no longer)\s+(?:\w+\s+)?"
NOT_RECURRING = re.compile(
    rf"{_DENIAL}(?:recur\w*|return\w*|repeat\w*)[^.;]*|\b(?:no|without)\s+(?:further\s+)?recurrences?\b[^.;]*",
    re.IGNORECASE,
)
# a denial just before what it denies: "fever did not recur [after the next five weekly doses]"
DENIED_BEFORE = re.compile(rf"{_DENIAL}(?:recur\w*|return\w*|repeat\w*|occur\w*|happen\w*)\s+$", re.IGNORECASE)
RECURRING = re.compile(
    r"\b(?:recurren\w*|recurr\w+|recur|recurs|repeated\w*|repetitive|cyclic\w*|periodic\w*|"
    r"every|each|consistently|regularly|regular intervals|predictabl\w*|"
    r"(?:several|multiple|numerous|many|further|two|three|four|five|six|[2-9]|1\d) (?:[\w-]+ ){0,2}"
    r"(?:episodes|fevers|events)|"
    r"again|typically|invariably|reproducibl\w*|monthly|weekly|biweekly|"
    r"(?:most|many) (?:weeks|months|doses|injections|infusions)|nearly always|almost always)\b",
    re.IGNORECASE,
)
DOSE_LINKED = re.compile(
    r"\b(?:post[- ]?(?:infusion|administration|injection|dose|dosing|treatment)|after (?:each |every |the |a )?"
    r"(?:\w+ ){0,2}(?:infusions?|doses?|dosing|injections?|administrations?)|followed .{0,30}"
    r"(?:infusions?|doses?|injections?|administrations?)|(?:infusions?|doses?|injections?)\b.{0,20}"
    r"followed by)",
    re.IGNORECASE,
)
DOSING_WORDS = re.compile(
    r"^(?:infusions?|doses?|dosing|dosed|injections?|administrations?|administered|given|"
    r"schedule[ds]?|continued|resumed|restarted|reduced|extended|spaced|changed|switched|"
    r"treatment|therapy|regimen|maintenance|cycles?|treated|receiv\w*|transitioned|moved|"
    r"de-escalated|escalated|decreased|increased|interval)$",
    re.IGNORECASE,
)
EPISODE_WORDS = re.compile(
    r"^(?:fevers?|febrile|episodes?|crs|recurr\w*|occurr?\w*|occur|recur|spikes?|pyrexia|"
    r"temperatures?|syndrome|events?|flares?|symptoms?|recurrences?|reappear\w*|develop\w*)$",
    re.IGNORECASE,
)
PREMEDICATION = re.compile(
    r"\b(?:pre-?medicat\w*|pre-?treat(?:ed|ment) with|per protocol|standard premed\w*|prior to (?:each |every )?"
    r"(?:dose|infusion|injection)|according to (?:the |our )?(?:\w+ )?protocol|"
    r"prophylactic\w* (?:\w+ ){0,4}before the first)",
    re.IGNORECASE,
)
MANAGEMENT = re.compile(
    r"\b(?:manag\w+|treat\w*|respond\w*|resol\w+|given|gave|got|administ\w+|received|requir\w+|"
    r"responsive|control\w*|abat\w+|subsid\w+|improv\w+|therapy|started on|initiated on)\b",
    re.IGNORECASE,
)
OTHER_EVENT = re.compile(
    r"\b(?:developed|experienced|diagnosed with|revealed|presented with|complicated by|"
    r"suffered)\b",
    re.IGNORECASE,
)
# tests not done: "No blood cultures, no laboratory tests and no imaging were performed"
WORKUP_NOT_DONE = re.compile(
    r"\b(?:no|without)\b[^.;]{0,80}?\b(?:was|were|had been|have been)\s+(?:performed|done|taken|obtained|drawn|"
    r"sent|collected)\b|\b(?:not|never)\s+(?:been\s+)?(?:performed|done|taken|obtained|drawn|sent|collected)\b|"
    # "Nobody took any bloods or samples", "without any blood tests or cultures at the time"
    r"\bnobody\s+(?:took|did|sent|checked)\b|\bwithout\s+(?:any\s+)?(?:blood\s+tests?|bloods|cultures?|tests?|"
    r"investigations?|work-?up)\b|\bno\s+(?:tests|bloods|samples|investigations)\b",
    re.IGNORECASE,
)
WORKUP_NEGATIVE = re.compile(
    r"\b(?:negative|neg\b|unremarkable|no growth|nothing grew|ngtd|sterile|no (?:clear |obvious |identifiable )?"
    r"(?:infectious )?(?:source|focus|cause)|no (?:\w+,? ){0,5}(?:infections?|pathogens?|organisms?)"
    r" (?:was |were )?(?:detected|identified|found|isolated)|without (?:an? )?(?:identifiable |clear )?"
    r"(?:infectious )?(?:source|focus)|(?:infection|sepsis) (?:was |were )?(?:ruled out|excluded)|"
    # ("infection has not been excluded": nothing was excluded)
    r"(?<!not )(?<!not been )(?<!n't been )(?<!never been )(?<!yet been )(?<!cannot be )(?<!not be )"
    r"(?<!can't be )(?:ruled out|excluded)|"
    r"lacked (?:a |an )?(?:clear |obvious )?(?:infectious )?source|normal)\b",
    re.IGNORECASE,
)
WORKUP_POSITIVE = re.compile(
    r"\b(?:positive|(?<!nothing )(?<!never )grew|growing|isolated|yielded|"
    r"(?:was|were)\s+(?:grown|cultured|detected)\s+(?:in|from|on)\b|"  # "E. coli was grown in urine culture"
    r"identified (?:\w+ ){0,3}(?:documented )?infections?|"
    r"revealed (?:\w+ ){0,4}(?:pneumonia|infection|bacteremia)|documented infections?|"
    r"confirmed (?:\w+ ){0,3}(?:infection|pneumonia)|(?:confirmed|proven|proved) by (?:a |an )?(?:\w+ )?"
    r"(?:PCR|cultures?|antigen|serology|BAL|bronchoalveolar|biopsy|swab)|\+\s?(?:for|ve\b))",
    re.IGNORECASE,
)
INFECTION_CAUSE = re.compile(
    r"\b(?:due to|secondary to|caused by|attributed to|from|because of|in the setting of|"
    r"explained by|related to|source (?:was|being)|consistent with)\b",
    re.IGNORECASE,
)
INFECTION_CONFIRMED = re.compile(
    r"\b(?:confirm\w*|diagnos\w*|showed|revealed|demonstrated|grew|growing|isolated|"
    r"consistent with|compatible with|in keeping with|treated for)\b",
    re.IGNORECASE,
)
CRS_ATTRIBUTION = re.compile(
    r"\b(?:attributed to|consistent with|due to|diagnosed as|considered|as|deemed|representing|"
    r"compatible with|interpreted as|in keeping with|"
    r"(?:CRS|syndrome)\s+(?:was|were)\s+diagnosed|"  # "..., recurrent late CRS was diagnosed"
    r"(?:it|this|which)\s+(?:was|is)\s+(?:a\s+)?(?:grade|G)\s*[1-4]\s+(?:CRS|cytokine))\b",  # "It was grade 2 CRS"
    re.IGNORECASE,
)
TOCILIZUMAB_RESPONSE = re.compile(
    r"\b(?:respon\w+|resol\w+|abat\w+|subsid\w+|improv\w+|defervesc\w+|rapid\w*|prompt\w*|"
    r"control\w*|successful\w*)\b",
    re.IGNORECASE,
)
IMPACT = (
    ("discontinued", re.compile(r"\b(?:discontinu\w+|stopped|permanently held|withdrawn)\b", re.I)),
    ("dose reduced", re.compile(r"\b(?:reduced to|de-escalat\w+|spaced|extended to|less frequent|"
                               r"dose reduc\w+|switched to (?:monthly|every))\b", re.I)),
    ("delayed", re.compile(r"\b(?:delay\w*|held|interrupt\w+|postpon\w+|temporar\w+ discontinu\w+)\b", re.I)),
)
# "a written CRS action plan", "CRS education", "CRS prophylaxis": CRS as a modifier
NOT_AN_EPISODE = re.compile(
    r"\s*(?:\)\s*)?(?:(?:/|&|and|or)\s*(?:ICANS|neurotoxicity|neurologic(?:al)? toxicity)\s*)?"
    r"(?:action plan|reviewed|discussed|counsel\w*|plan|education|teaching|risk|monitoring|protocol|guidelines?|"
    r"card|wallet card|precautions|prophylaxis|management (?:plan|algorithm|guidelines?)|"
    r"criteria|grading (?:system|scale|criteria)|score|scale|order set|kit|pathway|algorithms?|"
    r"mitigation|prevention)\b",
    re.IGNORECASE,
)

# Alternative explanations of late fever (criteria [classification] alternatives); each
# counts only when the sentence attributes the fever to it and does not deny it.
ALTERNATIVES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("HLH/MAS", re.compile(r"\b(?:HLH|ha?emophagocytic lymphohistiocytosis|macrophage activation syndrome|"
                           r"MAS)\b", re.IGNORECASE)),
    ("tumour flare", re.compile(r"\btumou?r flare\b|\bflare reaction\b|\bpseudo-?progression\b", re.IGNORECASE)),
    ("drug fever", re.compile(r"\bdrug[- ](?:induced |related )?fevers?\b", re.IGNORECASE)),
    ("infusion reaction", re.compile(r"\binfusion[- ](?:related |associated )?reactions?\b|\bIRRs?\b",
                                     re.IGNORECASE)),
)
ALTERNATIVE_DENIED = re.compile(
    r"\b(?:no|not|without|nor|neither|ruled out|excluded|exclude|unlikely|rather than|instead of|"
    r"did not (?:meet|fulfil|fulfill)|distinguish\w*|differential|versus|vs\.?|or)\b[^.;:]{0,50}$",
    re.IGNORECASE,
)
ALTERNATIVE_DENIED_AFTER = re.compile(r"^[^.;]{0,30}\b(?:was|were|is|are) (?:\w+ ){0,2}(?:ruled out|excluded|"
                                      r"unlikely|not (?:supported|present|found))\b"
                                      # "drug fever from co-trimoxazole (no temporal relationship)"
                                      r"|^[^.;()]{0,40}\((?:no|not|unlikely|excluded|ruled out|negative)\b",
                                      re.IGNORECASE)
# "Alternative causes considered: infection (...), drug fever (...)": a differential, each denied
ALTERNATIVES_LISTED = re.compile(r"\b(?:alternative|other|differential)\s+(?:causes?|explanations?|aetiolog\w+|"
                                 r"etiolog\w+|diagnos[ie]s)\b[^.;]{0,20}?\b(?:considered|excluded|ruled out|"
                                 r"included|were|was)?\s*:", re.IGNORECASE)
