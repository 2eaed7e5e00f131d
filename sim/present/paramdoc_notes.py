"""The hand-written columns of the generated documentation (``docs/ODD.md``): why each
parameter default is what it is (:data:`REASONING`, one entry per parameter: a test checks
none is missing), the context of each rule (:data:`RULE_NOTES`), and the group titles.

Reasoning texts must not quote current defaults (they change while the model is calibrated):
figures that depend on defaults go in the derived-quantities block
(:mod:`sim.present.paramdoc_derived`)."""

from __future__ import annotations

GROUP_TITLES = {
    "grid": "Grid, population, movement and activation order",
    "epstein": "Epstein's core (Model I)",
    "trust": "Endogenous trust (C1, C2)",
    "incidents": "Incidents, reporting and response (C2)",
    "offending": "Ordinary offending, apart from rebellion (C2, C3)",
    "officers": "Officers: stress, procedural quality, absence (C4)",
    "policy": "Policy: one budget per step (C3, C5)",
    "costs": "Costs (C5)",
}

_CHOSEN = "Chosen; to be explored by sensitivity analysis."

#: Where each default comes from, or why it was chosen. No current default values here.
REASONING: dict[str, str] = {
    # grid
    "width": "Epstein (2002) Runs 1-2 and NetLogo Rebellion use a 40 x 40 torus. Larger grids for policy "
             "runs: the cost per agent-step does not grow with the grid.",
    "height": "As `width`.",
    "citizen_density": "Epstein (2002) Runs 1-2; NetLogo Rebellion `initial-agent-density` 70 %.",
    "officer_density": "Epstein (2002) Runs 1-2; NetLogo Rebellion `initial-cop-density` 4 %. Used only "
                       "without a budget (the Epstein presets); with a budget see `budget_per_cell`.",
    "vision": "Epstein (2002) Runs 1-2; NetLogo Rebellion `vision` 7 patches.",
    "officer_vision": "Epstein (2002) Runs 1-2 (cop vision equal to agent vision); NetLogo uses one "
                      "`vision` for both.",
    "geometry": "NetLogo Rebellion's neighbourhood is `patches in-radius vision`, a Euclidean disc; Mesa's "
                "example uses a Moore square. Exposed because published versions differ (MODEL.md).",
    "movement_on": "Epstein's rule M. NetLogo's `movement?` switch stops citizens only; here it stops "
                   "officers too (see Known limitations).",
    "move_tries": "Numerical, not behavioural: draws of the rejection sampler that finds an empty cell "
                  "(D13 gives the chance of not finding one at the defaults).",
    "activation": "Epstein (2002) and NetLogo Rebellion activate agents one at a time in a random order "
                  "(`sequential`); `synchronous` updates everyone from the same state (vectorised, order-"
                  "independent); `batches` lies between. Effect of the order on the Epstein presets: section 3.3 "
                  "and docs/validation/.",
    "activation_batches": "Only with `activation = batches`: K > 1 approximates Epstein's random sequential "
                          "order (section 3.3). Effect: docs/validation/.",
    # epstein
    "legitimacy": "Epstein (2002) Runs 1-2 and NetLogo Rebellion's slider use L = 0.82. Only used with "
                  "`trust_on` false.",
    "threshold": "Epstein (2002); NetLogo Rebellion sets `threshold 0.1`.",
    "arrest_k": "Epstein (2002): k = 2.3 makes P about 0.9 when C = A = 1 (1 - e^-2.3 = 0.90); NetLogo "
                "and Mesa use the same k (D1).",
    "arrest_ratio": "NetLogo Rebellion uses floor(C/A) (its Info tab: without it no punctuated equilibrium); "
                    "Mesa's example round(C/A); `literal` is the paper's formula as printed.",
    "max_jail_term": "Epstein (2002) Runs 1-2 and NetLogo Rebellion use J_max = 30. NetLogo draws "
                     "`random max-jail-term` (0..J_max-1); Mesa and trustsim draw 0..J_max.",
    "jailed_keep_cell": "Chosen. Mesa's example keeps the jailed citizen on (and blocking) its cell; NetLogo "
                        "leaves it on its patch without blocking it; neither option here is NetLogo's.",
    "jail_term_rule": "`inclusive` follows Epstein (2002) and Mesa's example (J ~ U{0..J_max}); `netlogo` "
                      "reproduces NetLogo Rebellion's `random max-jail-term` and its end-of-tick countdown, for "
                      "replicating that implementation (the `netlogo-rebellion` preset).",
    "arrest_moves_officer": "Off in Epstein (2002) and Mesa's example; on reproduces NetLogo Rebellion's "
                            "`move-to suspect` (the `netlogo-rebellion` preset).",
    "count_self_active": "Off: A counts the citizen once, as Epstein (2002) and Mesa's example do; on reproduces "
                         "NetLogo Rebellion, where an active citizen is counted again among the actives in vision "
                         "(the `netlogo-rebellion` preset).",
    # trust
    "trust_on": "The project's main extension (MODEL.md): individual trust in place of a global L.",
    "trust_initial_mean": "Plays the part of Epstein's L (0.82 in his Runs 1-2); D2 compares the two "
                          "grievances. " + _CHOSEN,
    "trust_initial_sd": _CHOSEN + " Must satisfy sd^2 < mean (1 - mean) (Beta distribution; D15).",
    "trust_step": _CHOSEN + " Sets how fast experiences move trust (D3, D4).",
    "negativity_bias": "Skogan (2006): a bad encounter with the police has 4 to 14 times the impact of a "
                       "good one; the allowed range is that interval widened down to 1 (no asymmetry).",
    "weight_arrested": "Tyler's process-based legitimacy: being arrested is the strongest personal bad "
                       "experience. Relative weight " + _CHOSEN[0].lower() + _CHOSEN[1:],
    "weight_witness_arrest": "Tyler / procedural justice (Mazerolle et al. 2013): how an arrest is made "
                             "matters, hence the factor (1 - officer quality). " + _CHOSEN,
    "weight_help": "MODEL.md (receiving help is a good experience), only when `support_delivery` is `police`: "
                   "support from social services is no experience of the police (issue 12). " + _CHOSEN,
    "weight_report": "MODEL.md (a report answered or ignored). " + _CHOSEN,
    "weight_unanswered": "MODEL.md (an incident left unanswered nearby). Small because every witness of "
                         "every unanswered incident receives it. " + _CHOSEN,
    "trust_memory": "Chosen so that opinions fade over weeks to months (half-life in D7). " + _CHOSEN,
    "influence_on": "MODEL.md (trust moved by neighbours).",
    "influence_rate": "DeGroot-type averaging toward neighbours' mean trust. " + _CHOSEN,
    "influence_radius": "Local social network: the neighbours a few cells away. " + _CHOSEN,
    # incidents
    "incidents_on": "MODEL.md (incidents, reporting, response): closes the loop trust -> cooperation "
                    "-> effectiveness.",
    "incident_prob_active": "Active citizens (Epstein's open rebels) are the main source of incidents. "
                            + _CHOSEN,
    "incident_rate_quiet": "The first version's undeterred background offending, used only with `offending_on` "
                           "false (kept for comparison and for the tests of reporting). " + _CHOSEN,
    # offending
    "offending_on": "Issue 12 / MODEL.md: ordinary offending kept apart from rebellion, deterred by visible "
                    "officers and by the certainty of response, so that the police elasticity of crime can "
                    "emerge (Chalfin & McCrary 2018: about -0.3 to -0.5; docs/evidence.md 1).",
    "offence_base": "Scale of offending. England and Wales, year ending September 2019 (ONS): the police "
                    "recorded 5.8 million crimes and the Crime Survey estimated 10.9 million offences experienced "
                    "by adults; over about 59 million residents (ONS mid-2019 UK 66.8 million, England and Wales "
                    "about 89% of it, derived) that is about 0.27 recorded and 0.5 experienced offences per 1,000 "
                    "residents per day (derived; docs/evidence.md 1). `offences` are crimes known to victims, so "
                    "the survey rate is the comparison: the default puts the offence rate at the `reactive` "
                    "defaults near 0.5-0.6 per 1,000 per day. The calibration issue fits it.",
    "offence_hardship_gain": "Strain: offending rises with economic hardship (income support cuts crime by "
                             "about 20%: Chioda, De Mello & Soares 2012; Loureiro 2013; docs/evidence.md 9). The "
                             "size is chosen; range 0-20 for calibration.",
    "offence_distrust_gain": "Legitimacy -> compliance (Tyler): citizens who distrust the police offend more. "
                             "Size not measured in the sources read; chosen; range 0-20.",
    "deter_visible": "Weisburd (2021, REStat): 10% less local police presence, about 7% more local crime "
                     "(elasticity about -0.7). The rule's local elasticity is -deter_visible * V; with a few "
                     "on-duty officers within `vision` at the default budget (D16) this gives the value's "
                     "order. Mello (2019): hiring deters rather than incapacitates.",
    "deter_certainty": "Deterrence by the certainty of apprehension (Nagin 2013, recalled, not read for "
                       "docs/evidence.md). The size is chosen: full certainty cuts offending by this share.",
    "place_sigma": "Law of crime concentration (Weisburd 2015, eight cities): 50% of crime at 2.1-6.0% of "
                   "street segments (Seattle 1989-2004: 4.7-6.1% every year). A cell stands for a micro place; "
                   "for the lognormal attractiveness the top share q of cells holds half the expected offences "
                   "when sigma = Phi^-1(1 - q): q = 4% (mid-band) gives 1.75; the band gives 1.55-2.03 (derived). "
                   "Observed concentration of counts is higher than that of rates when counts are sparse. Range "
                   "0 (places alike, the first version) to 3.",
    "certainty_memory": "Chosen: would-be offenders update their sense of the chance of a response over "
                        "weeks.",
    "witness_radius": "Chosen: the immediate neighbours. With the Euclidean disc, radius 1 is the 4 "
                      "von Neumann neighbours.",
    "report_base": "Reporting rises with trust (C2; Tyler: legitimacy -> cooperation). Intercept "
                   + _CHOSEN[0].lower() + _CHOSEN[1:],
    "report_trust_gain": "As `report_base`: slope of reporting on trust (D9). " + _CHOSEN,
    "response_radius": _CHOSEN,
    "response_arrest_prob": _CHOSEN,
    # officers
    "stress_on": "MODEL.md C4 (officer stress, its effect on conduct and absence).",
    "quality_base": "Procedural quality of contacts and arrests (Tyler; Mazerolle et al. 2013). Compare "
                    "with the break-even quality D5: below it contacts lower trust on average. " + _CHOSEN,
    "stress_quality_loss": "C4: stressed officers are harsher (D6). " + _CHOSEN,
    "stress_per_confrontation": "C4: arrests are the most stressful events of the workload (Queiros et al. "
                                "2020: 88% high operational stress). Relative size of the four loads chosen "
                                "(arrest > call > shift > exposure); their common scale is anchored: all four "
                                "were scaled together (issue 12) so that mean absence (`officer_absence`) at the "
                                "reactive defaults, with officers' susceptibility spread "
                                "(`stress_susceptibility_cv`), is near the 4.3-4.6% of working days of England "
                                "and Wales officers (9.6-10.4 days a year, Hansard 2004/2008, over about 225 "
                                "working days; docs/evidence.md 7); D10. The burnout share is not a target: it "
                                "emerges and is compared with Queiros et al. (2020), 10.9%. Range: half to "
                                "twice the anchored scale.",
    "stress_susceptibility_cv": "C4 heterogeneity (issue 12): officers differ in how much the same workload "
                                "weighs on them (Queiros et al. 2020: 53.8% low resilient coping). Sickness "
                                "absence is very unequal: 46% of 40,343 UK police employees had none in a "
                                "year, 33% 1-5 days, 13% 6-19, 8% 20 or more (Parkes et al. 2024). A Gamma-"
                                "Poisson mixture with the mean of those bins (about 6 days) gives 46% with "
                                "none for a Gamma shape near 0.24, a coefficient of variation near 2 (derived; "
                                "docs/evidence.md 7). Approximate: not all absence is stress. Range 0 (all "
                                "alike, the first version) to 4.",
    "stress_recovery": "Share of stress shed per day: a half-life of about a month without welfare (chosen). "
                       "Balance with the workload in D10.",
    "welfare_relief": "C4: welfare support lowers stress (mindfulness trials: likely reductions of "
                      "depression, possibly of burnout; Withrow et al. 2023). Evidence that proactive "
                      "programmes cut absence directly is lacking (PMC8079856), so welfare acts on stress "
                      "only. Size chosen.",
    "welfare_cost": "Chosen: full relief costs a fraction of an officer-day per officer per day.",
    "absence_max": "C4: stressed officers are sometimes absent (D11). With the default workload, mean absence "
                   "is near the 4% of working days reported for England and Wales (Hansard 2008), about half "
                   "of it psychological (Avon & Somerset FOI 2023).",
    "stress_per_shift": "Organisational stress of the job itself (Queiros et al. 2020: 87% high organisational "
                        "stress): a load every day on duty, so stress is not zero in a quiet town. Size relative "
                        "to the other loads chosen; their common scale anchored on mean absence (see "
                        "`stress_per_confrontation`).",
    "shift_hours": "Standard 8-hour shift; 10-12-hour shifts are common in police forces (range). The shift "
                   "load scales with hours.",
    "stress_per_call": "C4 workload: each report answered is a call for service. Chosen below an arrest's load; "
                       "scale anchored with the other loads on mean absence (see `stress_per_confrontation`).",
    "stress_per_exposure": "C4 exposure: witnessing incidents in the patrol area (trauma exposure; "
                           "PMC8079856). Chosen small: an officer sees many incidents; scale anchored with the "
                           "other loads on mean absence (see `stress_per_confrontation`).",
    "welfare_half": "Diminishing returns of welfare spending (the closest published model, JASSS 26(3) 12, "
                    "2023, uses diminishing returns for programme spending). The half-relief level is chosen.",
    # policy
    "budget_on": "MODEL.md: policies are allocations of one budget per step.",
    "budget_per_cell": "Chosen so that an all-officer allocation at `officer_cost` 1 buys Epstein's cop "
                       "density (see the allocation table).",
    "share_officers": "Default allocation = the `reactive` preset; the presets set all shares.",
    "share_support": "Set by the presets.",
    "share_welfare": "Set by the presets.",
    "share_awareness": "Set by the presets.",
    "proximity_fraction": "Set by the presets (0 reactive, 1 proximity): a lever, not all-or-nothing; "
                          "experiments/sweep-doses.toml varies it.",
    "hotspot_fraction": "Set by the presets (the `hot-spots` preset: half the officers). Braga & Weisburd "
                        "(2022): hot-spots policing cuts crime at treated places by about 8-16%.",
    "hotspot_refresh": "Hot-spot programmes re-map their places from recent crime counts; monthly is chosen.",
    "chase_on": "MODEL.md: reactive officers chase activity and reports, not a random walk (issue 12).",
    "heat_decay": "Chosen: recent activity fades over about ten days.",
    "visibility_beat": "Visibility channel of proximity policing (issue 12): an officer on foot on a known "
                       "beat is seen more than a patrol passing by. Not measured in the sources read; chosen, "
                       "range 1 (off) to 5.",
    "beat_responsiveness_on": "Responsiveness channel (issue 12): residents can reach their beat officer; "
                              "Gill et al. (2014) find gains in satisfaction and legitimacy.",
    "weight_vicarious": "Rosenbaum et al. (2005): vicarious experience (hearing of someone else's encounter) "
                        "changes attitudes to the police, direct contact alone did not. Weight relative to a "
                        "direct contact chosen below 1; range 0-2.",
    "contact_negativity_bias": "Procedural-quality channel: Oliveira et al. (2021) find the asymmetry of good "
                               "and bad encounters symmetric for trust in procedural fairness, asymmetric for "
                               "effectiveness (Skogan 2006: 4-14). Contacts are judged on fairness, so a bias "
                               "near 1 (chosen), range 1-14.",
    "contact_time": "MODEL.md: proximity officers spend part of their time on contacts. " + _CHOSEN,
    "problem_solving_on": "Problem-solving channel of proximity policing (issue 12; Goldstein's problem-"
                          "oriented policing, the SARA model): beat officers work the places of their beat with "
                          "the most past incidents.",
    "problem_time": "Share of a beat officer's time on problem-solving, carved out of availability like "
                    "`contact_time`. No time-use figure found in the sources read: chosen, range 0-0.5.",
    "problem_effect": "Hinkle, Weisburd, Telep & Petersen (2020, Campbell review, 34 studies): a statistically "
                      "significant 33.8% reduction of crime and disorder in POP areas against controls; the "
                      "floor of the opportunity factor is 1 - this. Effect sizes vary widely between studies "
                      "(range 0.1-0.5; Braga & Weisburd: problem-solving at hot spots does better than added "
                      "patrol). docs/evidence.md.",
    "problem_gain": "How fast officer-days of problem-solving reach the POP effect at a place: chosen so that "
                    "about a month of one officer's part-time work at a place achieves most of it (SARA "
                    "responses take weeks); range 0 (off) to 0.2.",
    "problem_decay": "How fast a solved problem comes back without further work: chosen, a half-life of about "
                     "ten weeks (POP evaluations follow places for months); range 0 (never) to 0.05 (two weeks).",
    "problem_radius": "A hot spot is a micro-place (a street segment or address cluster; Braga & Weisburd): "
                      "the hot cell and its 8 neighbours. Chosen, range 0 (the cell alone) to 3.",
    "contact_radius": _CHOSEN,
    "contact_rate": _CHOSEN + " Contact chance per step in D8.",
    "beat_radius": "Proximity officers keep a beat (MODEL.md). " + _CHOSEN,
    "support_cost": _CHOSEN,
    "support_targeting": "MODEL.md C3: support targeted at high (observed) hardship; lower it to study "
                         "mistargeting.",
    "support_proxy_noise": "Targeting on a noisy proxy of need: proxy-means tests exclude many of the poorest "
                           "(Brown, Ravallion & van de Walle 2018); poverty-targeted schemes miss 44-97% of "
                           "intended recipients (Kidd & Athias 2019). Correlation of the proxy with "
                           "hardship in D17.",
    "support_takeup": "Eurofound (2015): over a third of those entitled do not receive a benefit; national "
                      "non-take-up 16-79% (Dubois 2015). Prior 0.6-0.7, range 0.2-0.9 (docs/evidence.md 8).",
    "support_admin_share": "Administration of targeted programmes: about 6% of outlays for Progresa (weak, "
                           "unattributed source); cost data exist for only 32 of 111 programmes (Coady et al. "
                           "2005). Chosen; range 0-0.9.",
    "support_delivery": "Issue 12: support counts as an experience of the police only when the police "
                        "deliver it; by default social services do.",
    "support_saturation": "Diminishing returns per recipient: the first days of support do most (Bolsa Familia "
                          "effects grow with coverage years, at a falling rate; docs/evidence.md 9). Chosen: "
                          "the daily cut halves after about two months of support.",
    "support_effect": _CHOSEN + " Steady state of a supported citizen in D12.",
    "hardship_relapse": _CHOSEN + " Steady state of a supported citizen in D12.",
    "awareness_cost": "Chosen: reaching a citizen costs a small fraction of an officer-day; reach "
                      "saturates (1 - exp(-spend / (cost n))).",
    "awareness_gain": "C3 for rebellion: the threshold rise at full awareness. Bounded by the campaign "
                      "evaluation of van Dijk & Steinmetz (1981): 12% of the population took precautions; at "
                      "the awareness ceiling the value removes about that share (11%) of the citizens who "
                      "could ever activate (the first version's 0.1 removed three quarters).",
    "awareness_effect": "van Dijk & Steinmetz (1981): 68% recalled the campaign and 12% of the population took "
                        "precautions: 12/68 = 0.18 of the aware change behaviour (docs/evidence.md 9).",
    "awareness_max": "van Dijk & Steinmetz (1981): 68% recalled a national campaign; O'Keefe et al. (1981): "
                     "18-30% exposure. The recall of a saturating campaign bounds awareness.",
    "awareness_decay": _CHOSEN,
    # costs
    "officer_cost": "The unit of account (one officer-day), by definition.",
    "jail_cost": "Relative to an officer-day. " + _CHOSEN,
    "incident_cost": "Social cost of an incident relative to an officer-day. " + _CHOSEN,
}


#: Context of each rule that the equation alone does not say: who it applies to, when, the claim.
RULE_NOTES: dict[str, str] = {
    "grievance": "Epstein's grievance; with `trust_on` the legitimacy L is the citizen's own trust T_i, so "
                 "trust lowers grievance (C2). Also gives the `tension` measure (mean over free citizens) "
                 "and scales the incident chance of quiet citizens.",
    "arrest_probability": "Epstein's estimated arrest probability. C counts on-duty officers (busy proximity "
                          "officers included, absent ones not) within the citizen's `vision`; A counts active "
                          "free citizens within `vision` plus the citizen itself (whether or not it is active "
                          "now), so A >= 1.",
    "becomes_active": "Epstein's activation rule, for free citizens only; the threshold is the effective "
                      "threshold (awareness, C3). Strict inequality.",
    "jail_terms": "One term per arrested citizen, from the `arrests` stream. The citizen is released at the "
                  "start of the step after the term has run out (a term of 0 means out the next step).",
    "incident_probability": "Each free citizen, once per step, after decisions and arrests. With "
                            "`offending_on` only active citizens use it (rebel incidents); quiet citizens use "
                            "`offence_probability` (deterred).",
    "offence_probability": "Each quiet free citizen once per step with `offending_on` (the same draw as "
                           "`incident_probability`, whose value active citizens keep): incidents = rebel "
                           "incidents + offences. V sums `officer_visibility` over on-duty officers within "
                           "`vision`; c is the model's `certainty` after the previous step (C2, C3).",
    "officer_visibility": "For every on-duty officer when offending is computed: proximity officers weigh "
                          "`visibility_beat` (C1).",
    "certainty_after_step": "Once per step after the responses, with the share of this step's ordinary offences "
                            "answered (rebel incidents excluded); measure `certainty`.",
    "answers_on_beat": "In the response phase, for on-duty proximity officers busy with contacts who are within "
                       "`response_radius` of a reported incident (C1).",
    "contact_experiences": "For each contact, after `good_contact_probability`; the same weights times "
                           "`weight_vicarious` go to every free citizen within `influence_radius` of the "
                           "contacted citizen (the vicarious channel; C1).",
    "officer_workload": "At the end of each step, for every officer (0 when absent): calls are reports "
                        "answered, arrests those of the core and of responses, exposure the incidents of "
                        "the step within `officer_vision` (C4).",
    "hardship_proxy": "Each step before support is allocated; the error e is drawn once per citizen from the "
                      "`support` stream (C3).",
    "support_cut": "For each citizen supported this step, from the days of support it has had before (C3).",
    "heat_after_step": "At the end of each step with `chase_on` and officers employed (the recent-activity map).",
    "chase_choice": "Before the core phase, for reactive (not beat or hot-spot) available officers; they then "
                    "take an empty cell next to the chosen cell and skip the core's random move (synchronous "
                    "and batch orders).",
    "report_probability": "Each free citizen within `witness_radius` of an incident decides independently; "
                          "an incident is reported if at least one witness reports (C2: trust -> "
                          "cooperation). With `trust_on` false, T is the global L.",
    "trust_after_experiences": "Applied to every citizen (jailed too) once per step, with the step's summed "
                               "weighted good and bad experiences (being arrested, witnessing an arrest, "
                               "help, report answered/ignored, unanswered incident nearby, proximity "
                               "contacts). Tyler's process-based legitimacy; Skogan's asymmetry (C1, C2).",
    "trust_after_influence": "Free citizens with at least one free citizen within `influence_radius`; the "
                             "neighbours' mean is taken after this step's experiences. Only with "
                             "`influence_on`.",
    "trust_after_memory": "Every citizen, after experiences and influence: trust relaxes toward its initial "
                          "value T_0, so a trust shock fades and long-run trust stays anchored to T_0 unless "
                          "experiences keep coming.",
    "contact_probability": "Free citizens with n on-duty proximity officers within `contact_radius` (C1). "
                           "Whether the contact is good is drawn with probability equal to the mean quality "
                           "of those officers; a good contact adds 1 to `good`, a bad one 1 to `bad` (weight "
                           "fixed at 1).",
    "officer_quality": "Procedural quality of each officer (C4), from its current stress; constant "
                       "`quality_base` with `stress_on` false. Used for contacts and witnessed arrests.",
    "absence_probability": "Drawn once per officer per step from the previous step's stress (C4). Absent "
                           "officers stay on the grid and move, but neither count in C nor arrest, respond "
                           "or make contacts.",
    "stress_after_step": "At the end of each step, for every officer (C4). The second argument is the "
                         "step's workload from `officer_workload` (named `confrontations` for plug-ins of the "
                         "first version); welfare_level is the funded fraction of full relief.",
    "support_priority": "Each step the `support_recipients` free claimants (take-up draw below "
                        "`support_takeup`) with the highest priority are supported; the first argument is the "
                        "observed proxy (C3). Noise from the `policy` stream.",
    "hardship_after_step": "Every citizen, every step (jailed too; only free citizens can be supported). "
                           "The support cut (from `support_cut`) applies after the relapse (C3).",
    "awareness_after_step": "One scalar for the whole population, once per step; reach is the funded "
                            "fraction of citizens reached per step, 1 - exp(-spend / (cost n)) (C3).",
    "effective_threshold": "Used by `becomes_active` for every citizen: awareness is population-wide (C3).",
    "busy_probability": "Drawn once per on-duty officer per step, before the core phase, from the `duty` stream: "
                        "a busy officer still counts in C but neither arrests nor responds this step (C1, C5). "
                        "The same draw splits contacts (u < `contact_time`) from problem-solving.",
    "problem_site_choice": "Before the core phase, for each on-duty proximity officer busy with problem-solving "
                           "this step (`problem_solving_on`): candidates are the cells within `beat_radius` "
                           "(Chebyshev) of its beat centre with at least one past incident (`incident_map`) (C1, C2).",
    "opportunity_after_step": "Once per step after the sites are chosen, for every cell: worked = officer-days "
                              "of problem-solving whose place (the site and cells within `problem_radius`) "
                              "covers the cell (C2).",
    "offence_at_place": "After `offence_probability`, for each quiet free citizen, with its current cell's "
                        "attractiveness times its opportunity factor (the factor only with "
                        "`problem_solving_on`) (C2).",
    "place_attractiveness": "Once per cell at set-up, from the `places` stream (C2).",
    "officer_strain": "At the end of each step, for every officer, on the workload from `officer_workload`, "
                      "before `stress_after_step` (C4).",
    "stress_susceptibility": "Once per officer when it is hired (at set-up and when an allocation adds "
                             "officers), from the `stress` stream (C4).",
    "within_beat": "Checked for each candidate cell when an officer moves (`move_tries` draws): a proximity "
                   "officer stays within `beat_radius` of its beat centre; reactive officers move freely (C1).",
    "arrest_choice": "Core phase, each step: the candidate pairs are available officers and active free "
                     "citizens within `officer_vision`; draws from the `arrests` stream. Arrested citizens "
                     "get a term from `jail_terms`.",
    "response_arrest_probability": "For each reported incident answered by an available officer within "
                                   "`response_radius` (a random matching); the draw uses the `arrests` stream. "
                                   "A responding reactive officer then moves to the scene.",
    "report_experiences": "For each report (a witness who reported), after the responses of the step: the "
                          "weights are added to the reporter's `good` or `bad` for `trust_after_experiences` (C2).",
    "unanswered_experience": "For every witness of every incident of the step, after the responses; added to "
                             "the witness's `bad` (0 for answered incidents) (C2).",
    "good_contact_probability": "For each citizen who had a contact (`contact_probability`), from the quality "
                                "of the on-duty proximity officers within `contact_radius`; the draw uses the "
                                "`contacts` stream (C1, C4).",
}
