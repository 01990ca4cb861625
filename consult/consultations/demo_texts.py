"""The texts of the demo consultations (``kenes seed-demo``): questions, positions and arguments,
with how each planted opinion group stands on them (see :mod:`consult.consultations.demo`)."""

from __future__ import annotations

# A position: key, text, stance of groups (A, B, C) from -1 to +1, share of "pass" votes.
Position = tuple[str, str, tuple[float, float, float], float]
# An argument: key, text, links [(target key, "support" | "attack")], stances, share of passes.
Argument = tuple[str, str, tuple[tuple[str, str], ...], tuple[float, float, float], float]

TITLE = "How should Almaty reduce winter air pollution?"
SUMMARY = (
    "Every winter, smog settles over Almaty for weeks. The city is preparing its 2026–2030 "
    "clean-air programme and asks residents which measures should come first, and why."
)
BODY = """\
From November to March, Almaty regularly ranks among the most polluted cities in the region. \
The city lies in a basin at the foot of the Zailiysky Alatau: on cold, windless days a \
temperature inversion traps smoke and exhaust close to the ground.

The main sources are well known: the coal-fired CHP-2 power and heating plant, tens of \
thousands of private houses in the outer districts that heat with coal, and road traffic, \
including an ageing fleet of cars and diesel buses. Construction dust and the loss of green \
space add to the problem.

The Akimat's Ecology Department will publish its response to this consultation together with \
the programme. Post the measures you think matter most as positions, argue for or against \
other people's proposals, and vote on as many statements as you can: where people with \
different views agree is where the programme can move fastest."""


# key, text, stance of groups (A, B, C) from -1 (against) to +1 (for), share of "pass" votes.
POSITIONS: tuple[Position, ...] = (
    (
        "chp_gas",
        "Convert the CHP-2 plant from coal to natural gas before the 2027 heating season.",
        (0.9, 0.6, -0.6),
        0.08,
    ),
    (
        "house_gas",
        "Pay for connecting private houses in the outer districts to the gas network.",
        (0.7, 0.9, -0.5),
        0.08,
    ),
    (
        "coal_ban",
        "Ban burning coal for household heating within the city limits from 2028.",
        (0.8, -0.8, 0.4),
        0.08,
    ),
    (
        "lez",
        "Create a low-emission zone in the city centre: cars below the Euro-4 standard pay a "
        "daily charge to enter.",
        (0.9, -0.9, 0.6),
        0.06,
    ),
    (
        "odd_even",
        "On smog days, let private cars into the centre only by odd or even number plates.",
        (0.6, -0.9, -0.2),
        0.08,
    ),
    (
        "free_transit",
        "Make buses, trolleybuses and the metro free on days when the air quality index is "
        "above 150.",
        (0.9, 0.3, -0.7),
        0.08,
    ),
    (
        "bus_lanes",
        "Build dedicated bus lanes on all major avenues and extend the BRT network to the "
        "outer districts.",
        (0.9, -0.3, 0.3),
        0.1,
    ),
    (
        "parking",
        "Raise parking fees in the centre and spend all the revenue on public transport.",
        (0.7, -0.8, 0.6),
        0.08,
    ),
    (
        "trees",
        "Plant trees and restore green corridors along the Esentai and Big Almaty rivers.",
        (0.8, 0.8, 0.4),
        0.12,
    ),
    (
        "sensors",
        "Install public air-quality sensors in every district and publish the readings in real "
        "time, with open data.",
        (0.9, 0.8, 0.9),
        0.05,
    ),
    (
        "e_buses",
        "Replace the city's old diesel buses with electric and gas buses by 2028.",
        (0.9, 0.7, 0.6),
        0.08,
    ),
    (
        "insulation",
        "Give grants for insulating private houses and installing heat pumps.",
        (0.6, 0.8, 0.9),
        0.1,
    ),
    (
        "smoke_fines",
        "Fine vehicles that visibly smoke and make the annual emissions test compulsory.",
        (0.8, -0.4, 0.8),
        0.08,
    ),
    (
        "air_corridors",
        "Stop high-rise construction that blocks the mountain air corridors in the south of "
        "the city.",
        (0.4, 0.3, 0.5),
        0.35,
    ),
)

# key, text, links [(target key, "support" | "attack")], stances (A, B, C), share of passes.
ARGUMENTS: tuple[Argument, ...] = (
    (
        "a_chp_source",
        "CHP-2 is the largest single stationary source of pollution in the city. Converting one "
        "plant removes more smoke than any other single measure.",
        (("chp_gas", "support"),),
        (0.8, 0.6, -0.2),
        0.1,
    ),
    (
        "a_chp_tariff",
        "Heat from gas costs more. The tariff rise will land on every household's bill, "
        "including pensioners who already struggle to pay.",
        (("chp_gas", "attack"),),
        (-0.5, 0.2, 0.9),
        0.08,
    ),
    (
        "a_tariff_targeted",
        "Low-income households already receive housing assistance. Extending it to cover the "
        "tariff increase costs far less than treating smog-related illness.",
        (("a_chp_tariff", "attack"),),
        (0.8, 0.3, -0.5),
        0.12,
    ),
    (
        "a_houses_ground",
        "On the coldest nights, smoke from thousands of household chimneys stays at ground "
        "level in the outer districts. That is exactly when the air is at its worst.",
        (("coal_ban", "support"),),
        (0.8, 0.0, 0.3),
        0.1,
    ),
    (
        "a_ban_poor",
        "Many families in the Alatau and Nauryzbay districts cannot afford a gas boiler. A ban "
        "without support punishes the poorest residents.",
        (("coal_ban", "attack"),),
        (-0.2, 0.9, -0.2),
        0.08,
    ),
    (
        "a_subsidy_full",
        "The ban can come with full subsidies for low-income households: the connection, the "
        "boiler and the difference in fuel cost for the first winter.",
        (("a_ban_poor", "attack"),),
        (0.8, 0.6, -0.7),
        0.12,
    ),
    (
        "a_social_coal",
        "The money now spent on supplying subsidised coal to low-income households could pay "
        "for their gas connections instead.",
        (("a_subsidy_full", "support"),),
        (0.6, 0.2, 0.5),
        0.25,
    ),
    (
        "a_old_cars",
        "Old cars without a working catalytic converter emit many times more than new ones. A "
        "charge targets the worst polluters directly.",
        (("lez", "support"),),
        (0.9, -0.6, 0.7),
        0.08,
    ),
    (
        "a_transit_gap",
        "Buses in the outer districts come every 30 to 40 minutes. People will not leave their "
        "cars at home until that changes.",
        (("lez", "attack"), ("parking", "attack")),
        (-0.2, 0.9, -0.3),
        0.08,
    ),
    (
        "a_lanes_fix",
        "Buses are slow because they are stuck in the same traffic as cars. Bus lanes would "
        "fix exactly these routes.",
        (("a_transit_gap", "attack"),),
        (0.8, -0.4, 0.5),
        0.1,
    ),
    (
        "a_free_reason",
        "Free fares give people a reason to leave the car at home on precisely the days when "
        "it matters most.",
        (("free_transit", "support"),),
        (0.8, 0.3, -0.7),
        0.1,
    ),
    (
        "a_free_evidence",
        "Where free public transport was tried on smog days, car traffic barely fell: the buses "
        "filled with people who would otherwise have walked.",
        (("free_transit", "attack"),),
        (-0.5, 0.1, 0.8),
        0.2,
    ),
    (
        "a_plates_dodge",
        "Number-plate rules are easy to dodge: families buy a second, older car, and the fleet "
        "gets dirtier.",
        (("odd_even", "attack"),),
        (-0.1, 0.9, 0.5),
        0.1,
    ),
    (
        "a_trees_winter",
        "Trees do little against winter smog: deciduous trees have no leaves when the "
        "pollution is worst.",
        (("trees", "attack"),),
        (-0.2, 0.0, 0.6),
        0.25,
    ),
    (
        "a_trees_conifers",
        "Conifers keep their needles all winter and trap fine dust. Plant them along the main "
        "roads, not only in parks.",
        (("a_trees_winter", "attack"),),
        (0.6, 0.5, 0.1),
        0.2,
    ),
    (
        "a_sensors_trust",
        "Independent sensors let residents check the official figures and decide when children "
        "can safely play outside.",
        (("sensors", "support"),),
        (0.9, 0.8, 0.9),
        0.05,
    ),
    (
        "a_diesel_smoke",
        "Old diesel buses are the most visible source of black smoke on Al-Farabi and "
        "Raiymbek avenues.",
        (("e_buses", "support"),),
        (0.8, 0.7, 0.5),
        0.1,
    ),
    (
        "a_insulation_payback",
        "Insulation cuts fuel use by about a third, whatever the fuel, and pays for itself "
        "within a few winters.",
        (("insulation", "support"),),
        (0.6, 0.8, 0.9),
        0.1,
    ),
    (
        "a_corridors_wind",
        "Almaty lies in a basin with little wind. The night breeze from the mountains is what "
        "clears the air, and tall blocks in its way trap the smog.",
        (("air_corridors", "support"),),
        (0.6, 0.3, 0.4),
        0.25,
    ),
    (
        "a_corridors_sprawl",
        "Stopping high-rise construction pushes new housing further out and makes car "
        "commutes even longer.",
        (("air_corridors", "attack"),),
        (-0.3, 0.4, 0.3),
        0.25,
    ),
)

CLOSED_TITLE = "Should the Panfilov Street pedestrian zone be extended to Abay Avenue?"
CLOSED_SUMMARY = (
    "The pedestrian section of Panfilov Street ends at Gogol Street. The Akimat asked whether "
    "to extend it south to Abay Avenue, and how to handle deliveries and parking."
)
CLOSED_BODY = """\
This consultation ran for four weeks last autumn. It is now closed: the statements and votes \
remain visible, and the Akimat's response will be published here."""
CLOSED_POSITIONS: tuple[Position, ...] = (
    (
        "p_extend",
        "Extend the pedestrian zone to Abay Avenue, with deliveries allowed before 10 a.m.",
        (0.9, -0.5, 0.3),
        0.1,
    ),
    (
        "p_trial",
        "Close the section to cars on weekends for one summer first, then decide.",
        (0.5, 0.4, 0.8),
        0.15,
    ),
    (
        "p_parking",
        "Build an underground car park under the square before closing any street.",
        (-0.5, 0.9, -0.4),
        0.15,
    ),
    (
        "p_shade",
        "Whatever is decided, add shade trees, benches and drinking fountains along the street.",
        (0.9, 0.7, 0.8),
        0.08,
    ),
)
CLOSED_ARGUMENTS: tuple[Argument, ...] = (
    (
        "c_shops",
        "Shops on the existing pedestrian section report more visitors, not fewer.",
        (("p_extend", "support"),),
        (0.8, -0.2, 0.4),
        0.2,
    ),
    (
        "c_traffic",
        "Closing the street moves the traffic to Furmanov Street, which is already jammed.",
        (("p_extend", "attack"), ("p_trial", "attack")),
        (-0.4, 0.8, 0.1),
        0.15,
    ),
)
