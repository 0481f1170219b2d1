"""Static catalog of the synthetic company: departments, affinities, names.

Pure data, no randomness. :mod:`ona.synth.org` draws people from it and
:mod:`ona.synth.contacts` turns the affinity matrix into who works with whom.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# The tables below are data, laid out by hand for reading.
# fmt: off
COMPANY_DOMAIN = "company.example"
# Aliases inherited from an acquisition: a second address some people still use.
ALIAS_DOMAIN = "corp.company.example"


@dataclass(frozen=True)
class DepartmentSpec:
    """One department of the catalog.

    ``share`` is its fraction of headcount; ``external`` the kind of outside
    party it writes to (``clients``, ``suppliers`` or ``advisers``) and
    ``p_external`` the share of its emails that include one; ``ticket_origin``
    the relative number of tickets it opens.
    """

    name: str
    share: float
    teams: tuple[str, ...]
    titles: tuple[str, ...]
    head_title: str
    lead_title: str
    external: str
    p_external: float
    ticket_origin: float


DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    DepartmentSpec("Engineering", 0.21,
                   ("Platform", "Payments", "Mobile", "Data", "Infrastructure", "Web", "API",
                    "Search", "Identity", "Reliability", "Tooling", "Integrations"),
                   ("Software Engineer", "Senior Software Engineer", "Staff Engineer",
                    "QA Engineer", "Site Reliability Engineer", "Data Engineer"),
                   "VP Engineering", "Engineering Manager", "clients", 0.02, 0.0),
    DepartmentSpec("Product", 0.06,
                   ("Core Product", "Growth", "Design", "Research"),
                   ("Product Manager", "Product Designer", "UX Researcher", "Product Analyst"),
                   "Chief Product Officer", "Group Product Manager", "clients", 0.08, 0.0),
    DepartmentSpec("Sales", 0.14,
                   ("Enterprise", "Mid-Market", "Inside Sales", "Partnerships", "Sales Operations",
                    "EMEA Accounts", "Americas Accounts"),
                   ("Account Executive", "Sales Development Rep", "Account Manager",
                    "Sales Engineer", "Sales Operations Analyst"),
                   "VP Sales", "Sales Manager", "clients", 0.30, 0.0),
    DepartmentSpec("Customer Support", 0.14,
                   ("Tier 1", "Tier 2", "Escalations", "Onboarding", "Knowledge Base",
                    "Returns Desk"),
                   ("Support Agent", "Senior Support Agent", "Support Specialist",
                    "Customer Success Manager"),
                   "Head of Customer Support", "Support Team Lead", "clients", 0.25, 40.0),
    DepartmentSpec("Marketing", 0.06,
                   ("Brand", "Demand Generation", "Content", "Events", "Communications"),
                   ("Marketing Manager", "Content Writer", "Marketing Analyst", "Event Coordinator"),
                   "CMO", "Marketing Lead", "clients", 0.10, 0.0),
    DepartmentSpec("Finance", 0.06,
                   ("Accounting", "Accounts Payable", "Treasury", "FP&A", "Tax"),
                   ("Accountant", "Financial Analyst", "Controller", "Payroll Specialist"),
                   "CFO", "Finance Manager", "advisers", 0.06, 5.0),
    DepartmentSpec("Procurement", 0.04,
                   ("Sourcing", "Vendor Management", "Purchasing"),
                   ("Buyer", "Category Manager", "Procurement Analyst"),
                   "Head of Procurement", "Procurement Lead", "suppliers", 0.30, 4.0),
    DepartmentSpec("Legal", 0.025,
                   ("Contracts", "Compliance", "Privacy"),
                   ("Legal Counsel", "Paralegal", "Compliance Officer"),
                   "General Counsel", "Senior Counsel", "advisers", 0.15, 2.0),
    DepartmentSpec("HR", 0.04,
                   ("Recruiting", "People Operations", "Learning", "Compensation"),
                   ("HR Business Partner", "Recruiter", "People Operations Specialist"),
                   "Chief People Officer", "HR Manager", "advisers", 0.05, 6.0),
    DepartmentSpec("IT", 0.06,
                   ("Service Desk", "Workplace Technology", "Networks", "Business Systems"),
                   ("IT Support Specialist", "Systems Administrator", "Network Engineer",
                    "Business Systems Analyst"),
                   "CIO", "IT Manager", "suppliers", 0.05, 20.0),
    DepartmentSpec("Security", 0.025,
                   ("Security Operations", "Governance", "Application Security"),
                   ("Security Analyst", "Security Engineer", "GRC Analyst"),
                   "CISO", "Security Lead", "suppliers", 0.03, 3.0),
    DepartmentSpec("Logistics", 0.08,
                   ("Warehouse", "Shipping", "Inventory", "Carrier Relations", "Returns Processing"),
                   ("Logistics Coordinator", "Warehouse Associate", "Inventory Planner",
                    "Shipping Specialist"),
                   "Head of Logistics", "Logistics Supervisor", "suppliers", 0.25, 12.0),
    DepartmentSpec("Facilities", 0.03,
                   ("Workplace", "Maintenance", "Office Services"),
                   ("Facilities Coordinator", "Maintenance Technician", "Office Manager"),
                   "Head of Facilities", "Facilities Lead", "suppliers", 0.15, 8.0),
    DepartmentSpec("Executive", 0.02,
                   ("Office of the CEO", "Strategy"),
                   ("Chief of Staff", "Strategy Manager", "Executive Assistant"),
                   "CEO", "Chief of Staff", "advisers", 0.10, 0.0),
)

DEPARTMENT_NAMES: tuple[str, ...] = tuple(d.name for d in DEPARTMENTS)
DEPT: dict[str, int] = {name: i for i, name in enumerate(DEPARTMENT_NAMES)}

# Symmetric affinity between departments (relative propensity to collaborate,
# before headcount). Unlisted pairs get BASE_AFFINITY; IT serves everyone,
# HR touches everyone a little.
BASE_AFFINITY = 0.2
_AFFINITY_PAIRS: dict[tuple[str, str], float] = {
    ("Engineering", "Product"): 5.0,
    ("Engineering", "Customer Support"): 2.0,
    ("Engineering", "Security"): 3.0,
    ("Engineering", "IT"): 2.0,
    ("Engineering", "Sales"): 0.8,
    ("Engineering", "Marketing"): 0.6,
    ("Product", "Sales"): 2.0,
    ("Product", "Customer Support"): 2.0,
    ("Product", "Marketing"): 2.5,
    ("Sales", "Customer Support"): 4.0,
    ("Sales", "Marketing"): 3.0,
    ("Sales", "Finance"): 1.0,
    ("Sales", "Legal"): 1.2,
    ("Sales", "Logistics"): 1.2,
    ("Customer Support", "Logistics"): 2.5,
    ("Finance", "Procurement"): 3.0,
    ("Finance", "Legal"): 2.0,
    ("Finance", "HR"): 1.0,
    ("Finance", "Executive"): 1.5,
    ("Procurement", "Legal"): 2.0,
    ("Procurement", "Logistics"): 2.0,
    ("Procurement", "Facilities"): 1.5,
    ("Logistics", "Facilities"): 1.5,
    ("IT", "Security"): 2.5,
    ("Facilities", "HR"): 1.0,
    ("Executive", "Sales"): 1.0,
    ("Executive", "HR"): 1.0,
}
_EVERYONE: dict[str, float] = {"IT": 1.0, "HR": 0.6, "Executive": 0.5}


def affinity_matrix() -> np.ndarray:
    """The symmetric department affinity matrix, zero on the diagonal.

    Returns
    -------
    numpy.ndarray
        Shape ``(D, D)`` in the order of :data:`DEPARTMENTS`.
    """
    n = len(DEPARTMENTS)
    a = np.full((n, n), BASE_AFFINITY)
    for name, value in _EVERYONE.items():
        a[DEPT[name], :] = a[:, DEPT[name]] = value
    for (x, y), value in _AFFINITY_PAIRS.items():
        a[DEPT[x], DEPT[y]] = a[DEPT[y], DEPT[x]] = value
    np.fill_diagonal(a, 0.0)
    return a


# Ticket handoffs: from the department holding a ticket, the departments it
# is usually passed to (besides a colleague in the same department).
_HANDOFF_PAIRS: dict[tuple[str, str], float] = {
    ("Customer Support", "Engineering"): 1.0,
    ("Customer Support", "Sales"): 1.0,
    ("Customer Support", "Finance"): 0.6,
    ("Customer Support", "Product"): 0.6,
    ("Customer Support", "Logistics"): 1.0,
    ("IT", "Security"): 1.0,
    ("IT", "Facilities"): 0.5,
    ("IT", "Engineering"): 0.4,
    ("Facilities", "Procurement"): 1.0,
    ("Facilities", "IT"): 0.6,
    ("Logistics", "Procurement"): 1.0,
    ("Logistics", "Customer Support"): 1.0,
    ("HR", "IT"): 1.0,
    ("HR", "Finance"): 1.0,
    ("Finance", "Procurement"): 1.0,
    ("Finance", "Legal"): 0.6,
    ("Procurement", "Legal"): 1.0,
    ("Procurement", "Finance"): 1.0,
    ("Security", "IT"): 1.0,
    ("Legal", "Procurement"): 1.0,
}
HANDOFF_BASE = 0.02


def handoff_matrix() -> np.ndarray:
    """Where a ticket goes when it leaves a department (rows sum to 1, zero diagonal)."""
    n = len(DEPARTMENTS)
    h = np.full((n, n), HANDOFF_BASE)
    for (x, y), value in _HANDOFF_PAIRS.items():
        h[DEPT[x], DEPT[y]] = value
    np.fill_diagonal(h, 0.0)
    return h / h.sum(axis=1, keepdims=True)


LOCATIONS: tuple[str, ...] = ("London", "Berlin", "Lisbon", "Warsaw", "Austin", "Toronto")
# Headquarters gets half of the people.
LOCATION_WEIGHTS: tuple[float, ...] = (0.5, 0.12, 0.1, 0.1, 0.1, 0.08)

FIRST_NAMES: tuple[str, ...] = (
    "Anna", "James", "Maria", "David", "Sofia", "Michael", "Emma", "Daniel", "Olivia", "Thomas",
    "Laura", "Lucas", "Chloe", "Mateo", "Hannah", "Noah", "Julia", "Liam", "Sarah", "Ethan",
    "Mia", "Oliver", "Grace", "Jakub", "Zofia", "Piotr", "Agnieszka", "Marek", "Ines", "João",
    "Beatriz", "Tiago", "Ana", "Miguel", "Lena", "Jonas", "Lea", "Felix", "Clara", "Maximilian",
    "Amelia", "George", "Isla", "Harry", "Freya", "Arjun", "Priya", "Ravi", "Ananya", "Vikram",
    "Wei", "Li", "Mei", "Chen", "Yuki", "Haruto", "Sakura", "Kenji", "Fatima", "Omar", "Aisha",
    "Yusuf", "Leila", "Karim", "Nadia", "Samuel", "Rachel", "Benjamin", "Rebecca", "Aaron",
    "Chloé", "Élodie", "Théo", "Zoë", "Søren", "Øyvind", "Åsa", "Björn", "Ingrid", "Mikael",
    "Carlos", "Lucía", "Pablo", "Elena", "Diego", "Valentina", "Kwame", "Amara", "Chidi",
    "Nia", "Tunde", "Zainab", "Connor", "Siobhan", "Declan", "Aoife", "Ewan", "Morag", "Dmitri",
    "Olga", "Ivan", "Katarzyna", "Tomasz", "Magdalena", "Andrei", "Ioana", "Nikos", "Eleni",
    "Giulia", "Marco", "Francesca", "Luca", "Sven", "Astrid", "Lars", "Karin", "Hugo", "Camille",
)
LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Martinez",
    "Lopez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Jackson", "White",
    "Harris", "Clark", "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Scott", "Green",
    "Baker", "Adams", "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamińska", "Lewandowski",
    "Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Müller", "Schmidt",
    "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Schäfer",
    "Patel", "Sharma", "Singh", "Kumar", "Gupta", "Iyer", "Reddy", "Wang", "Zhang", "Liu",
    "Chen", "Yang", "Huang", "Tanaka", "Suzuki", "Takahashi", "Watanabe", "Sato", "Haddad",
    "Khan", "Rahman", "Hussain", "Nasser", "Cohen", "Levi", "Dubois", "Lefèvre", "Moreau",
    "Laurent", "Fournier", "Girard", "Bonnet", "Johansson", "Andersson", "Nilsen", "Hansen",
    "Larsen", "Berg", "Lindqvist", "Fernández", "González", "Rodríguez", "Sánchez", "Romero",
    "Okafor", "Mensah", "Adeyemi", "Osei", "Murphy", "O'Brien", "Kelly", "Byrne", "MacDonald",
    "Campbell", "Ivanov", "Petrova", "Popescu", "Ionescu", "Papadopoulos", "Rossi", "Russo",
    "Bianchi", "Romano", "Colombo", "Novak", "Horvat", "Kovač", "Dvořák", "Novotná",
)

# Outside parties (clients, suppliers, advisers): organisations on other domains.
EXTERNAL_ORGS: dict[str, tuple[str, ...]] = {
    "clients": ("acme-retail", "globex", "initech", "umbrella-health", "stark-logistics",
                "wayne-foods", "hooli", "vandelay", "soylent", "tyrell", "cyberdyne",
                "oceanic-air", "monarch-bank", "pied-piper", "gringotts"),
    "suppliers": ("northwind", "contoso", "fabrikam", "tailspin", "litware", "adventure-works",
                  "proseware", "wingtip", "fourth-coffee", "alpine-ski"),
    "advisers": ("baker-law", "pearson-audit", "bright-audit", "harbor-advisory", "lexcorp-legal"),
}
EXTERNAL_KINDS: tuple[str, ...] = ("clients", "suppliers", "advisers")
# fmt: on
