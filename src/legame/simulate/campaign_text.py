"""Campaign subjects and bodies in Italian, Spanish and English.

Three styles: ``pushy`` (incentive-only, urgent, interrupting: the kind the seeds warn
against), ``values`` (speaks of what the brand stands for, gives something useful) and
``transactional`` (service information, kind ``transactional``).
"""

from __future__ import annotations

STYLES: tuple[str, ...] = ("pushy", "values", "transactional")

#: language -> style -> tuple of (subject, body)
TEMPLATES: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "it": {
        "pushy": (
            (
                "ULTIMO GIORNO: -50% su tutto!!!",
                "Solo oggi sconto del 50% su tutto il catalogo. Non perdere l'occasione, "
                "compra subito prima che finisca!",
            ),
            (
                "Il tuo coupon scade a mezzanotte",
                "Hai un buono da 10 euro che scade stanotte. Usalo adesso, corri!",
            ),
            (
                "Punti doppi solo per 24 ore",
                "Accumula il doppio dei punti su ogni acquisto. Affrettati, offerta limitata!",
            ),
            (
                "Partecipa al concorso e vinci",
                "Compra almeno un articolo e partecipa all'estrazione di un buono da 500 euro.",
            ),
            (
                "Non farti sfuggire queste offerte",
                "Prezzi mai visti, scorte limitate. Acquista ora, domani potrebbe essere tardi!",
            ),
            (
                "Sconto extra se ordini entro un'ora",
                "Un ulteriore 15% di sconto se completi l'ordine entro 60 minuti. Vai!",
            ),
        ),
        "values": (
            (
                "Come ripariamo invece di buttare",
                "Ti raccontiamo il nostro laboratorio di riparazione: ogni prodotto merita una "
                "seconda vita. Se vuoi, porta il tuo in negozio.",
            ),
            (
                "Cosa abbiamo fatto con il tuo aiuto quest'anno",
                "Grazie ai nostri clienti abbiamo ridotto la plastica negli imballaggi del 40%. "
                "Ecco i numeri e i prossimi passi.",
            ),
            (
                "Una guida per scegliere con calma",
                "Nessuna fretta: una guida pratica per capire quale prodotto fa davvero per te, "
                "scritta dal nostro personale.",
            ),
            (
                "Le persone dietro ai nostri prodotti",
                "Abbiamo visitato i laboratori dei nostri fornitori. Ti presentiamo chi realizza "
                "ciò che acquisti e come lavora.",
            ),
            (
                "Il nostro impegno per il quartiere",
                "Questo mese il negozio ospita un incontro gratuito con le associazioni locali. "
                "Sei il benvenuto, senza acquisti.",
            ),
            (
                "Ti ascoltiamo: cosa possiamo fare meglio?",
                "Abbiamo cambiato i tempi di risposta del servizio clienti dopo i vostri "
                "suggerimenti. Raccontaci la tua esperienza.",
            ),
        ),
        "transactional": (
            (
                "Aggiornamento dell'informativa privacy",
                "Abbiamo aggiornato l'informativa sulla privacy. Nessuna azione richiesta.",
            ),
            (
                "Nuovi orari del servizio clienti",
                "Dal prossimo mese il servizio clienti risponde anche il sabato mattina.",
            ),
            (
                "Manutenzione programmata del sito",
                "Domenica notte il sito sarà in manutenzione dalle 2 alle 4.",
            ),
        ),
    },
    "es": {
        "pushy": (
            (
                "¡¡ÚLTIMO DÍA: -50% en todo!!",
                "Solo hoy un 50% de descuento en todo el catálogo. ¡No lo dejes pasar, compra "
                "ya antes de que se acabe!",
            ),
            (
                "Tu cupón caduca a medianoche",
                "Tienes un vale de 10 euros que caduca esta noche. ¡Úsalo ahora, corre!",
            ),
            (
                "Puntos dobles solo durante 24 horas",
                "Acumula el doble de puntos en cada compra. ¡Date prisa, oferta limitada!",
            ),
            (
                "Participa en el sorteo y gana",
                "Compra al menos un artículo y entra en el sorteo de un vale de 500 euros.",
            ),
            (
                "No dejes escapar estas ofertas",
                "Precios nunca vistos, existencias limitadas. ¡Compra ya, mañana puede ser tarde!",
            ),
            (
                "Descuento extra si pides en la próxima hora",
                "Un 15% adicional si completas el pedido en los próximos 60 minutos. ¡Vamos!",
            ),
        ),
        "values": (
            (
                "Cómo reparamos en lugar de tirar",
                "Te contamos cómo funciona nuestro taller de reparación: cada producto merece "
                "una segunda vida. Si quieres, trae el tuyo a la tienda.",
            ),
            (
                "Lo que hemos logrado contigo este año",
                "Gracias a nuestros clientes hemos reducido un 40% el plástico de los envíos. "
                "Aquí tienes las cifras y los próximos pasos.",
            ),
            (
                "Una guía para elegir con calma",
                "Sin prisas: una guía práctica, escrita por nuestro equipo, para saber qué "
                "producto te conviene de verdad.",
            ),
            (
                "Las personas detrás de nuestros productos",
                "Visitamos los talleres de nuestros proveedores. Te presentamos a quienes "
                "fabrican lo que compras y cómo trabajan.",
            ),
            (
                "Nuestro compromiso con el barrio",
                "Este mes la tienda acoge un encuentro gratuito con asociaciones locales. Estás "
                "invitado, sin necesidad de comprar.",
            ),
            (
                "Te escuchamos: ¿qué podemos mejorar?",
                "Hemos cambiado los tiempos de respuesta de atención al cliente gracias a "
                "vuestras sugerencias. Cuéntanos tu experiencia.",
            ),
        ),
        "transactional": (
            (
                "Actualización de la política de privacidad",
                "Hemos actualizado nuestra política de privacidad. No tienes que hacer nada.",
            ),
            (
                "Nuevo horario de atención al cliente",
                "A partir del mes que viene atendemos también los sábados por la mañana.",
            ),
            (
                "Mantenimiento programado de la web",
                "El domingo por la noche la web estará en mantenimiento de 2 a 4.",
            ),
        ),
    },
    "en": {
        "pushy": (
            (
                "LAST DAY: 50% off everything!!!",
                "Today only, 50% off the whole catalogue. Don't miss out, buy now before it's "
                "gone!",
            ),
            (
                "Your coupon expires at midnight",
                "You have a 10 euro voucher that expires tonight. Use it now, hurry!",
            ),
            (
                "Double points for 24 hours only",
                "Earn double points on every purchase. Be quick, limited-time offer!",
            ),
            (
                "Enter the prize draw and win",
                "Buy at least one item to enter the draw for a 500 euro voucher.",
            ),
            (
                "Don't let these deals slip away",
                "Prices you've never seen, limited stock. Buy now, tomorrow may be too late!",
            ),
            (
                "Extra discount if you order within the hour",
                "An extra 15% off if you complete your order in the next 60 minutes. Go!",
            ),
        ),
        "values": (
            (
                "How we repair instead of throwing away",
                "A look inside our repair workshop: every product deserves a second life. "
                "Bring yours to the store if you like.",
            ),
            (
                "What we achieved with you this year",
                "Thanks to our customers we cut packaging plastic by 40%. Here are the numbers "
                "and our next steps.",
            ),
            (
                "A guide to choosing without rushing",
                "No hurry: a practical guide, written by our staff, to find what really suits you.",
            ),
            (
                "The people behind our products",
                "We visited our suppliers' workshops. Meet the people who make what you buy "
                "and see how they work.",
            ),
            (
                "Our commitment to the neighbourhood",
                "This month the store hosts a free meeting with local charities. You are "
                "welcome, no purchase needed.",
            ),
            (
                "We're listening: what can we do better?",
                "We changed our customer service response times after your suggestions. Tell "
                "us about your experience.",
            ),
        ),
        "transactional": (
            ("Privacy policy update", "We have updated our privacy policy. No action is needed."),
            (
                "New customer service hours",
                "From next month customer service is also open on Saturday mornings.",
            ),
            (
                "Scheduled website maintenance",
                "On Sunday night the website will be down for maintenance from 2 to 4 am.",
            ),
        ),
    },
}

#: Campaign names by style, formatted with the launch date.
NAMES: dict[str, str] = {
    "pushy": "Promo {date}",
    "values": "Stories {date}",
    "transactional": "Service notice {date}",
}
