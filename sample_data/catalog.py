"""Named entities of the sample company: a connected-vehicle and EV-systems supplier.

The company sells to the four buyers of the revenue-architecture playbook; names of OEMs,
suppliers, dealer groups and fleets are the ones the playbook cites.
"""
from __future__ import annotations

COMPANY = "Voltaris Mobility Systems"

# (name, region, country, eu_oem)
OEMS = [
    ("Ford", "North America", "US", False), ("GM", "North America", "US", False),
    ("Stellantis", "Europe", "NL", True), ("Toyota", "Asia Pacific", "JP", False),
    ("Honda", "Asia Pacific", "JP", False), ("BMW", "Europe", "DE", True),
    ("Mercedes-Benz", "Europe", "DE", True), ("Volkswagen", "Europe", "DE", True),
    ("Hyundai-Kia", "Asia Pacific", "KR", False), ("Tesla", "North America", "US", False),
    ("Rivian", "North America", "US", False), ("Lucid", "North America", "US", False),
]
TIER1S = [
    ("Continental", "Europe", "DE"), ("Bosch", "Europe", "DE"), ("ZF", "Europe", "DE"),
    ("Magna", "North America", "CA"), ("Aptiv", "Europe", "IE"), ("Denso", "Asia Pacific", "JP"),
    ("Visteon", "North America", "US"), ("Harman", "North America", "US"),
]
DEALER_GROUPS = ["AutoNation", "Penske Automotive", "Group 1 Automotive", "Asbury Automotive",
                 "Lithia Motors", "Sonic Automotive", "Hendrick Automotive", "Larry H. Miller"]
AFTERMARKET = [("Advance Auto Parts", "North America", "US"), ("LKQ", "North America", "US"),
               ("Genuine Parts", "North America", "US"), ("Halfords", "Europe", "GB")]
FLEETS = [("Enterprise Mobility", "North America", "US"), ("Hertz", "North America", "US"),
          ("Avis Budget", "North America", "US"), ("US GSA Fleet", "North America", "US"),
          ("Caltrans", "North America", "US"), ("Ryder", "North America", "US"),
          ("Sixt", "Europe", "DE"), ("Amazon Logistics", "North America", "US")]

# (product_id, name, category, hardware, safety_critical, connected, ota, cloud_service,
#  default powertrain focus)
PRODUCTS = [
    ("P-BMS", "Battery management controller", "EV systems", True, True, False, False, False, "BEV"),
    ("P-TMM", "EV thermal management module", "EV systems", True, False, False, False, False, "BEV"),
    ("P-INV", "Traction inverter", "EV systems", True, True, False, False, False, "PHEV"),
    ("P-OBC", "On-board charger", "EV systems", True, True, True, False, False, "BEV"),
    ("P-TCU", "Telematics control unit", "Connected vehicle", True, False, True, True, False, "AGNOSTIC"),
    ("P-ADS", "ADAS radar sensor", "Safety", True, True, False, False, False, "AGNOSTIC"),
    ("P-CAB", "Cabin sensing camera", "Safety", True, True, False, False, False, "AGNOSTIC"),
    ("P-ECM", "Engine control module", "Powertrain", True, True, False, False, False, "ICE"),
    ("P-HYB", "Hybrid energy controller", "Powertrain", True, True, False, False, False, "HEV"),
    ("P-OTA", "Over-the-air update platform", "Connected vehicle", False, False, True, True, True, "AGNOSTIC"),
    ("P-FLT", "Fleet telematics service", "Connected vehicle", False, False, True, False, True, "AGNOSTIC"),
    ("P-VOX", "In-car voice assistant", "Connected vehicle", False, False, True, False, True, "AGNOSTIC"),
    ("P-DSA", "Dealer service analytics", "Dealer software", False, False, False, False, True, "AGNOSTIC"),
    ("P-DIAG", "Aftermarket diagnostic scanner", "Aftermarket", True, False, False, False, False, "AGNOSTIC"),
]
PLATFORM_PREFIXES = ["E-Flex", "Ultium", "STLA", "TNGA", "CLAR", "MEB", "SSP", "E-GMP", "NA",
                     "Gen3", "MQB", "P1", "T1XX", "CMA", "Neue Klasse", "MMA"]

SEGMENT_STAGES = ["Qualify", "RFQ / Proposal", "Technical evaluation", "Negotiation",
                  "Nomination pending"]

AE_NAMES = ["Ava Chen", "Marcus Reed", "Priya Nair", "Tom Becker", "Lena Vogel", "Diego Ruiz",
            "Hannah Kim", "Omar Haddad", "Sofia Rossi", "Jake Turner", "Mei Tanaka", "Noah Fischer",
            "Grace Liu", "Ethan Brooks", "Isla Novak", "Ryan Patel", "Zoe Martin", "Luis Ortega",
            "Nora Lindqvist", "Sam Okafor", "Clara Weber", "Ben Howard", "Yuki Sato", "Maya Singh"]
ESA_NAMES = ["Dr. Felix Braun", "Anika Rao", "Carlos Mendes", "Julia Hartmann"]

REGIONS = ["Northeast", "Southeast", "Midwest", "Southwest", "West"]
BRANDS = ["Ford", "Chevrolet", "Toyota", "Honda", "BMW", "Hyundai", "Kia", "Volkswagen"]
LEAD_SOURCES = ["OEM website", "Paid search", "Social", "Third-party marketplace",
                "Dealer website", "Walk-in", "Email campaign", "Finance pre-approval"]
# channel -> party
CHANNELS = {"Display": "MEDIA", "Paid search": "MEDIA", "Social": "MEDIA",
            "OEM configurator": "OEM", "OEM email": "OEM", "Dealer website": "DEALER",
            "Showroom visit": "DEALER", "Dealer phone call": "DEALER", "Finance offer": "FINANCE"}
JOURNEY_WEIGHTS = {"EV_LAUNCH": 0.28, "SERVICE_RETENTION": 0.27, "FLEET": 0.1, "CONQUEST": 0.23,
                   "ACCESSORIES": 0.12}
JOURNEY_TICKET = {"EV_LAUNCH": 52_000.0, "SERVICE_RETENTION": 650.0, "FLEET": 180_000.0,
                  "CONQUEST": 41_000.0, "ACCESSORIES": 1_400.0}

# (tool_id, name, category, annual_cost, owner, licensed, active, journeys)
MARTECH_TOOLS = [
    ("T-CRM", "Automotive CRM cloud", "CRM", 540_000.0, "REVOPS", 400, 352, "EV_LAUNCH;CONQUEST;FLEET"),
    ("T-DCRM", "Dealer lead CRM", "CRM", 310_000.0, "DEALER_COUNCIL", 900, 610, "EV_LAUNCH;CONQUEST;SERVICE_RETENTION"),
    ("T-MAP", "Marketing automation", "Marketing automation", 220_000.0, "MOPS", 60, 41,
     "EV_LAUNCH;SERVICE_RETENTION;ACCESSORIES"),
    ("T-MAP2", "Legacy email platform", "Marketing automation", 95_000.0, "IT", 40, 6, "SERVICE_RETENTION"),
    ("T-CDP", "Customer data platform", "CDP", 380_000.0, "MOPS", 35, 29,
     "EV_LAUNCH;CONQUEST;SERVICE_RETENTION;ACCESSORIES"),
    ("T-ATTR", "Multi-touch attribution", "Attribution", 160_000.0, "REVOPS", 25, 19, "EV_LAUNCH;CONQUEST"),
    ("T-ADS", "Programmatic ad platform", "Advertising", 260_000.0, "MOPS", 20, 17, "EV_LAUNCH;CONQUEST"),
    ("T-SOC", "Social listening", "Advertising", 70_000.0, "MOPS", 15, 3, "CONQUEST"),
    ("T-DMS", "DMS integration hub", "Integration", 290_000.0, "IT", 120, 98, "SERVICE_RETENTION;ACCESSORIES"),
    ("T-CHAT", "Dealer chat and messaging", "Conversational", 140_000.0, "DEALER_COUNCIL", 700, 455,
     "EV_LAUNCH;SERVICE_RETENTION"),
    ("T-CHAT2", "Website chat bot", "Conversational", 60_000.0, "IT", 80, 9, "CONQUEST"),
    ("T-FIN", "Finance offer engine", "Finance", 185_000.0, "FINANCE", 50, 38, "EV_LAUNCH;FLEET"),
    ("T-BI", "Ecosystem BI workspace", "Analytics", 120_000.0, "REVOPS", 90, 66,
     "EV_LAUNCH;SERVICE_RETENTION;FLEET;CONQUEST;ACCESSORIES"),
]
