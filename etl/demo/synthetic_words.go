package demo

// theme is the vocabulary of one kind of news event. Synthetic topics draw
// their nouns, roles and organisation from a theme and add generated place
// and person names, so articles of one topic share many rare words (what
// TF-IDF and k-means need) while the sentence frames are shared by all.
type theme struct {
	key   string
	event string
	org   string
	roles [3]string
	nouns [14]string
}

var themes = [...]theme{
	{"dock-strike", "dock strike", "Dockworkers Union",
		[3]string{"union leader", "port director", "shipping agent"},
		[14]string{"dockworkers", "cranes", "container terminal", "stevedores", "wage talks", "overtime pay", "berths", "cargo backlog", "shipping schedules", "port gates", "union ballots", "picket lines", "reefer containers", "shift rosters"}},
	{"drought", "drought", "Water Resources Board",
		[3]string{"agronomist", "water board chairman", "farmers' representative"},
		[14]string{"reservoirs", "irrigation canals", "maize harvest", "rainfall", "boreholes", "livestock herds", "water rationing", "grazing land", "crop yields", "seed stocks", "dry riverbeds", "water tankers", "cattle prices", "farm cooperatives"}},
	{"election-dispute", "disputed election", "Electoral Commission",
		[3]string{"election commissioner", "opposition spokesman", "head of the observer mission"},
		[14]string{"ballot boxes", "polling stations", "vote count", "turnout figures", "electoral roll", "recount", "tally sheets", "election observers", "opposition candidates", "provisional results", "constitutional court", "campaign rallies", "voter registration", "results centre"}},
	{"earthquake", "earthquake", "Disaster Management Agency",
		[3]string{"rescue coordinator", "seismologist", "mayor"},
		[14]string{"aftershocks", "collapsed buildings", "rescue teams", "rubble", "field hospitals", "epicentre", "tents", "sniffer dogs", "seismic readings", "magnitude", "damaged bridges", "temporary shelters", "blood donations", "structural engineers"}},
	{"currency-crisis", "currency crisis", "Central Bank",
		[3]string{"central bank governor", "finance minister", "economist"},
		[14]string{"exchange rate", "foreign reserves", "inflation", "devaluation", "bond yields", "import bills", "fuel subsidies", "interest rates", "black market dollars", "savings accounts", "lending programme", "debt repayments", "bread prices", "credit rating"}},
	{"pipeline-outage", "pipeline outage", "Gas Transmission Company",
		[3]string{"energy regulator", "pipeline operator", "grid manager"},
		[14]string{"gas pipeline", "compressor station", "gas pressure", "LNG cargoes", "storage sites", "heating bills", "power plants", "transit fees", "valve repairs", "supply contracts", "metering stations", "gas flows", "industrial users", "winter reserves"}},
	{"cyberattack", "cyberattack", "National Cyber Security Centre",
		[3]string{"security researcher", "chief information officer", "head of the police cybercrime unit"},
		[14]string{"ransomware", "servers", "hospital systems", "encrypted files", "data breach", "backup tapes", "hackers", "network outage", "software patches", "ransom demand", "payment systems", "email accounts", "forensic investigators", "passwords"}},
	{"floods", "flooding", "River Basin Authority",
		[3]string{"hydrologist", "river authority chief", "district officer"},
		[14]string{"river levels", "levees", "flood barriers", "evacuation centres", "submerged roads", "sandbags", "rescue boats", "monsoon rains", "dam releases", "drinking water", "rice paddies", "mudslides", "pumping stations", "flood warnings"}},
	{"fuel-protests", "fuel protests", "Transport Workers Federation",
		[3]string{"protest organiser", "police commander", "transport minister"},
		[14]string{"petrol prices", "fuel subsidy", "demonstrators", "tear gas", "road blockades", "taxi drivers", "riot police", "curfew", "bus fares", "diesel queues", "trade unions", "public transport", "arrests", "petrol stations"}},
	{"migrant-crossings", "surge in migrant crossings", "Migration Office",
		[3]string{"refugee agency official", "coast guard commander", "interior minister"},
		[14]string{"asylum seekers", "coast guard", "rubber boats", "reception centres", "registration camps", "smugglers", "rescue ships", "deportation flights", "border fences", "asylum claims", "unaccompanied minors", "sea crossings", "relocation quotas", "life jackets"}},
	{"dengue-outbreak", "dengue outbreak", "Ministry of Health",
		[3]string{"epidemiologist", "health minister", "hospital director"},
		[14]string{"dengue cases", "mosquito breeding sites", "fumigation teams", "hospital wards", "platelet counts", "fever clinics", "insecticide spraying", "stagnant water", "blood tests", "health workers", "isolation beds", "larvae", "rapid test kits", "awareness campaigns"}},
	{"mine-collapse", "mine collapse", "Mining Safety Authority",
		[3]string{"mine manager", "mining union leader", "safety inspector"},
		[14]string{"copper mine", "mine shaft", "trapped miners", "ventilation", "rescue tunnel", "oxygen supplies", "drilling rigs", "safety inspectors", "underground galleries", "mining licence", "ore production", "mine owners", "families at the gate", "rock falls"}},
	{"air-traffic", "air traffic disruption", "Civil Aviation Authority",
		[3]string{"airport director", "controllers' union spokesman", "airline executive"},
		[14]string{"air traffic controllers", "cancelled flights", "runway closures", "stranded passengers", "departure boards", "airline compensation", "terminal queues", "radar systems", "holiday travellers", "flight schedules", "baggage halls", "airspace", "check-in desks", "diverted aircraft"}},
	{"wildfire", "wildfire", "Forest Fire Service",
		[3]string{"fire chief", "forestry official", "regional governor"},
		[14]string{"firefighters", "burned hectares", "water bombers", "evacuation orders", "pine forests", "smoke", "fire lines", "wind gusts", "charred homes", "air quality", "hillside villages", "helicopters", "firebreaks", "volunteer brigades"}},
	{"tariff-dispute", "tariff dispute", "Trade Ministry",
		[3]string{"trade minister", "chamber of commerce president", "customs chief"},
		[14]string{"import tariffs", "export controls", "semiconductors", "customs duties", "steel exports", "trade talks", "retaliation lists", "supply chains", "quotas", "trade surplus", "car exports", "anti-dumping cases", "soybean shipments", "trade negotiators"}},
	{"teachers-strike", "teachers' strike", "National Teachers Association",
		[3]string{"education minister", "teachers' union leader", "head teacher"},
		[14]string{"teachers", "classrooms", "school closures", "exam timetables", "pay scales", "pupils", "education budget", "head teachers", "parents' associations", "textbooks", "substitute staff", "entrance exams", "school meals", "teaching unions"}},
}

// Sentence frames. Slots: {place} {region} {event} {n1} {n2} {n3}
// {person} {person2} {role} {role2} {org} {num} {base} {pct} {day}.
var sentenceFrames = [...]string{
	"Officials in {place} said the {event} had affected {num} {n1} since {day}.",
	"{person}, {role} at the {org}, said the situation around the {n1} was changing by the hour.",
	"According to the {org}, at least {base} {n1} were involved, and the figure could still rise.",
	"Residents of {place} described long queues near the {n2} and growing concern about the {n3}.",
	"The {event} is the most serious in the {region} region for several years, analysts said.",
	"{person2}, a {role2}, warned that the {n1} and the {n2} could not be dealt with separately.",
	"Local media reported that {num} {n2} had been moved away from the {n3} overnight.",
	"A spokesperson for the {org} said talks on the {n1} would continue on {day}.",
	"The cost of the {event} has been estimated at {num} million dollars so far.",
	"In {place}, the {n1} remained the main topic of conversation on {day}.",
	"Experts said the {n2} had been a weak point long before the {event} began.",
	"The {org} published figures showing a rise of {pct} percent in {n3} over the past month.",
	"\"We need a plan for the {n1}, not another statement,\" {person} told reporters in {place}.",
	"Neighbouring districts of {region} have offered help with the {n2}.",
	"Some {n3} in {place} were closed as a precaution, officials said.",
	"The government said it would review the rules on {n1} once the {event} was over.",
	"Observers noted that {base} {n2} had already been counted by {day}.",
	"{person2} said the {org} had asked for more support with the {n3}.",
	"By the evening, the {event} had spread to the outskirts of {place}.",
	"Earlier reports that the problem with the {n1} had been solved turned out to be wrong.",
	"A second meeting between the {org} and local leaders about the {n2} is planned for {day}.",
	"International observers called for calm and for a quick end to the {event} in {place}.",
	"Data from the {org} suggest that {pct} percent of the {n2} in {place} were affected.",
	"The {event} comes after months of tension over {n1} in the {region} region.",
	"{person} said that without more {n3} the {org} could not keep up.",
	"The {role} of the {org} visited {place} on {day} to inspect the {n1}.",
}

// Headline frames, same slots.
var headlineFrames = [...]string{
	"{Event} in {place}: {num} {n1} affected as {org} warns of delays",
	"{person} says {n1} problem in {place} will take weeks to resolve",
	"{org} reports {pct} percent rise in {n2} as {event} continues",
	"{place} {event} enters its {ordinal} day",
	"Residents of {place} face shortage of {n1} after {event}",
	"Talks on {n1} stall as {event} spreads across {region}",
	"{Event} puts {n2} in {place} under pressure, says {role}",
	"{base} {n1} counted in {place} as {org} steps in",
}

var (
	weekdays   = [...]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
	ordinals   = [...]string{"second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"}
	firstNames = [...]string{"Amina", "Lukas", "Priya", "Tomás", "Mei", "Kofi", "Elena", "Rashid", "Sofia", "Jonas", "Aiko", "Mateo", "Nadia", "Olu", "Ingrid", "Farid", "Clara", "Dmitri", "Leila", "Marco", "Hana", "Samuel", "Yara", "Pavel", "Lucia", "Kwame", "Anya", "Diego", "Fatima", "Henrik", "Zainab", "Rafael"}
	lastNames  = [...]string{"Okonjo", "Brandt", "Raman", "Ferreira", "Chen", "Mensah", "Petrova", "Haddad", "Lindgren", "Weber", "Tanaka", "Alvarez", "Karimi", "Adeyemi", "Solheim", "Nasser", "Moreau", "Volkov", "Farouk", "Rossi", "Kimura", "Osei", "Khalil", "Novak", "Herrera", "Asante", "Ivanova", "Castillo", "Bello", "Dahl", "Yusuf", "Costa"}
	syllables  = [...]string{"var", "na", "ki", "ol", "tre", "sa", "mon", "dor", "bel", "ka", "ru", "zen", "ta", "lo", "mi", "sor", "ven", "ga", "li", "bra", "del", "fa", "nor", "qui", "ras", "tel", "um", "ve", "zor", "ha"}
	outletKeys = [...]string{"synthetic-wire", "metro-bulletin", "evening-ledger", "coastal-times", "capital-review"}
	countries  = [...]string{"United Kingdom", "United States", "India", "South Africa", "Australia"}
)
