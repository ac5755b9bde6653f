"""The web chat: ``python app.py`` serves it on http://127.0.0.1:7860 (see qa/web)."""

from qa.web.serve import main

if __name__ == "__main__":
    main()
