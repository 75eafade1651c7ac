"""Free-text survey comments in Italian, Spanish and English, with a sentiment that agrees
with the answer's NPS: detractors (0-6) write negative comments, passives (7-8) mixed
ones, promoters (9-10) positive ones. A comment is one phrase, sometimes two of the same
sentiment.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

LANGUAGES: tuple[str, ...] = ("it", "es", "en")
SENTIMENTS: tuple[str, ...] = ("negative", "mixed", "positive")

PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "it": {
        "negative": (
            "Ho aspettato due settimane per una risposta dal servizio clienti.",
            "Il pacco è arrivato in ritardo e nessuno mi ha avvisato.",
            "Ho chiamato tre volte e ogni volta ho dovuto rispiegare tutto da capo.",
            "La qualità non vale il prezzo, sono rimasto deluso.",
            "Il reso è stato un incubo, ancora aspetto il rimborso.",
            "Troppe email promozionali, mi sento bombardato.",
            "L'app si blocca sempre al momento del pagamento.",
            "In negozio nessuno sapeva rispondere alle mie domande.",
            "Mi hanno addebitato una commissione che non mi aspettavo.",
            "Il prodotto era diverso dalla foto sul sito.",
            "Non mi sento ascoltato: la mia segnalazione è ancora aperta.",
            "Prezzi aumentati e servizio peggiorato rispetto all'anno scorso.",
            "La chat risponde solo con messaggi automatici, inutile.",
            "Ho ricevuto un articolo danneggiato e nessuno si è scusato.",
            "Difficile trovare un modo per parlare con una persona vera.",
            "Non credo che tornerò, ci sono alternative migliori.",
            "Consegna sbagliata due volte di fila, molto frustrante.",
        ),
        "mixed": (
            "Prodotti buoni, ma le consegne potrebbero essere più rapide.",
            "Nel complesso va bene, anche se i prezzi sono un po' alti.",
            "Il personale è gentile, però il sito è poco chiaro.",
            "Servizio nella media, niente di speciale.",
            "Mi trovo abbastanza bene, ma ho avuto qualche problema con un reso.",
            "Buona qualità, assortimento un po' limitato.",
            "L'app funziona, ma manca qualche funzione utile.",
            "Tutto regolare, anche se la risposta del supporto è arrivata tardi.",
            "Compro qui per comodità, non per affezione.",
            "Prezzi giusti, ma le email sono troppe.",
            "Esperienza discreta, si può migliorare la comunicazione.",
            "Il negozio è comodo, ma spesso manca la mia taglia.",
            "Consegna puntuale, imballaggio da migliorare.",
            "Va bene per gli acquisti di tutti i giorni.",
            "Niente di cui lamentarsi, niente che mi abbia colpito.",
            "Mi piacerebbe sapere di più sui valori del marchio.",
        ),
        "positive": (
            "Servizio impeccabile, mi hanno risolto il problema in un giorno.",
            "Mi sento parte di una comunità che condivide i miei valori.",
            "Qualità ottima e consegna velocissima, lo consiglio a tutti.",
            "Mi hanno tolto una commissione senza che lo chiedessi: che bel gesto.",
            "Il personale in negozio è sempre disponibile e sorridente.",
            "Finalmente un marchio che rispetta l'ambiente sul serio.",
            "Ho già consigliato il negozio a mia sorella e alle amiche.",
            "Acquistare qui mi fa stare bene, è sempre un piacere.",
            "Ricevo poche email ma interessanti, così va benissimo.",
            "Reso facilissimo e rimborso immediato.",
            "Mi fido di loro: quando sbagliano rimediano subito.",
            "Prodotti curati nei dettagli, si vede la passione.",
            "L'app è semplice e veloce, compro in due minuti.",
            "Mi hanno scritto per ringraziarmi, mi ha fatto piacere.",
            "Sono cliente da anni e non cambierei mai.",
            "Assistenza gentile e competente, grazie di cuore.",
            "Mi sento sicuro quando compro da loro.",
        ),
    },
    "es": {
        "negative": (
            "Esperé dos semanas para que el servicio al cliente me contestara.",
            "El pedido llegó tarde y nadie me avisó.",
            "Llamé tres veces y siempre tuve que explicar todo desde el principio.",
            "La calidad no está a la altura del precio, muy decepcionado.",
            "La devolución fue un desastre, sigo esperando el reembolso.",
            "Demasiados correos de promociones, me siento acosado.",
            "La aplicación se cuelga justo al pagar.",
            "En la tienda nadie supo resolver mis dudas.",
            "Me cobraron un recargo que no esperaba.",
            "El producto no se parecía a la foto de la web.",
            "Nadie me escucha: mi reclamación sigue abierta.",
            "Han subido los precios y el servicio ha empeorado.",
            "El chat solo da respuestas automáticas, no sirve para nada.",
            "Recibí un artículo roto y nadie pidió disculpas.",
            "Es imposible hablar con una persona de verdad.",
            "No creo que vuelva, hay opciones mejores.",
            "Se equivocaron con la entrega dos veces seguidas.",
        ),
        "mixed": (
            "Buenos productos, pero los envíos podrían ser más rápidos.",
            "En general bien, aunque los precios son algo altos.",
            "El personal es amable, pero la web es confusa.",
            "Un servicio normal, nada especial.",
            "Estoy bastante contento, aunque tuve un problema con una devolución.",
            "Buena calidad, pero poca variedad.",
            "La aplicación funciona, pero le faltan opciones útiles.",
            "Todo correcto, aunque soporte tardó en responder.",
            "Compro aquí por comodidad, no por cariño a la marca.",
            "Precios justos, pero demasiados correos.",
            "Experiencia aceptable, la comunicación se puede mejorar.",
            "La tienda me queda cerca, pero a menudo no hay mi talla.",
            "Entrega puntual, el embalaje mejorable.",
            "Está bien para las compras de cada día.",
            "Nada de qué quejarme, nada que me haya sorprendido.",
            "Me gustaría saber más sobre los valores de la marca.",
        ),
        "positive": (
            "Un servicio impecable, me resolvieron el problema en un día.",
            "Me siento parte de una comunidad que comparte mis valores.",
            "Calidad excelente y envío rapidísimo, lo recomiendo.",
            "Me perdonaron un recargo sin pedirlo: todo un detalle.",
            "El personal de la tienda siempre es atento y simpático.",
            "Por fin una marca que cuida de verdad el medio ambiente.",
            "Ya se lo he recomendado a mi hermana y a mis amigas.",
            "Comprar aquí me hace sentir bien, siempre es un placer.",
            "Recibo pocos correos pero interesantes, así está perfecto.",
            "Devolución facilísima y reembolso inmediato.",
            "Confío en ellos: cuando se equivocan lo arreglan enseguida.",
            "Productos cuidados al detalle, se nota la pasión.",
            "La aplicación es sencilla y rápida, compro en dos minutos.",
            "Me escribieron para darme las gracias, me encantó.",
            "Soy cliente desde hace años y no cambiaría.",
            "Atención amable y profesional, muchas gracias.",
            "Me siento seguro cuando compro con ellos.",
        ),
    },
    "en": {
        "negative": (
            "I waited two weeks for customer service to get back to me.",
            "The parcel arrived late and nobody let me know.",
            "I called three times and had to explain everything again each time.",
            "The quality is not worth the price, very disappointed.",
            "The return was a nightmare and I am still waiting for my refund.",
            "Far too many promotional emails, it feels like spam.",
            "The app keeps crashing at checkout.",
            "Nobody in the store could answer my questions.",
            "I was charged a fee I did not expect.",
            "The product looked nothing like the photo on the website.",
            "I don't feel heard: my complaint is still open.",
            "Prices went up and the service got worse.",
            "The chat only gives canned answers, useless.",
            "My item arrived broken and nobody apologised.",
            "It is almost impossible to reach a real person.",
            "I don't think I will come back, there are better options.",
            "They got my delivery wrong twice in a row.",
        ),
        "mixed": (
            "Good products, but delivery could be faster.",
            "Fine overall, although prices are a bit high.",
            "Staff are friendly, but the website is confusing.",
            "An average service, nothing special.",
            "I'm fairly happy, though I had an issue with a return.",
            "Good quality, limited range.",
            "The app works but lacks a few useful features.",
            "All fine, although support took a while to answer.",
            "I shop here because it is convenient, not out of attachment.",
            "Fair prices, too many emails.",
            "A decent experience, communication could improve.",
            "The store is handy, but my size is often out of stock.",
            "Delivery on time, packaging could be better.",
            "OK for everyday shopping.",
            "Nothing to complain about, nothing that stood out either.",
            "I'd like to know more about what the brand stands for.",
        ),
        "positive": (
            "Flawless service, they solved my problem within a day.",
            "I feel part of a community that shares my values.",
            "Excellent quality and very fast delivery, highly recommended.",
            "They waived a fee without me even asking, what a lovely gesture.",
            "The store staff are always helpful and cheerful.",
            "Finally a brand that really cares about the environment.",
            "I have already recommended them to my sister and my friends.",
            "Shopping here makes me feel good, it is always a pleasure.",
            "I get few emails and they are interesting, that's just right.",
            "Returns are effortless and the refund was immediate.",
            "I trust them: when something goes wrong they fix it at once.",
            "Products made with care, you can see the passion.",
            "The app is simple and quick, I can order in two minutes.",
            "They wrote to thank me, which I really appreciated.",
            "I've been a customer for years and wouldn't switch.",
            "Kind and competent support, thank you so much.",
            "I feel safe buying from them.",
        ),
    },
}


def comments(
    language: npt.NDArray[np.int64],
    sentiment: npt.NDArray[np.int64],
    rng: np.random.Generator,
) -> list[str]:
    """One comment per row: ``language`` indexes ``LANGUAGES``, ``sentiment`` indexes
    ``SENTIMENTS``. About a quarter of comments join two different phrases."""
    n = language.size
    u = rng.random((3, n))
    out: list[str] = []
    for i in range(n):
        pool = PHRASES[LANGUAGES[language[i]]][SENTIMENTS[sentiment[i]]]
        a = int(u[0, i] * len(pool))
        text = pool[a]
        if u[2, i] < 0.25:
            b = (a + 1 + int(u[1, i] * (len(pool) - 1))) % len(pool)
            text = f"{text} {pool[b]}"
        out.append(text)
    return out
