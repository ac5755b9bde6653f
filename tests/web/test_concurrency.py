"""Many users at once: the launched app gives each the answer one user alone
gets."""

from __future__ import annotations

import threading

from gradio_client import Client


def test_sixteen_clients_at_once_get_exactly_the_single_threaded_answers(launched_app, real_searcher):
    questions = [
        "When did Kuwait join?", "What is the Catalogue of CBMs?", "Who chairs CICA after Kazakhstan?",
        "What did the Youth Council do?", "What is TurkPA?", "How many priority areas are there?",
        "What is the CICA Fund?", "What did Russia and China propose?", "Why does CICA need a Charter?",
        "What is the Business Council?", "How does CICA work with the UN?", "What about climate?",
        "What is the capital of France?", "hello", "Which observers joined?", "What is the Road Map?",
        "Why is Asia important?", "What are the volunteers doing?", "What is the Secretariat's problem?",
        "How will visibility improve?",
    ]  # fmt: skip
    expected = {q: real_searcher.ask(q, k=3).to_dict() for q in questions}
    results: dict[tuple[int, str], dict] = {}
    errors: list[BaseException] = []

    def client_thread(number: int) -> None:
        try:
            client = Client(launched_app, verbose=False)
            for question in questions[number % 5 :] + questions[: number % 5]:
                results[(number, question)] = client.predict(question, 3, api_name="/ask")
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=client_thread, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    assert len(results) == 16 * 20
    assert all(result == expected[question] for (_, question), result in results.items())
