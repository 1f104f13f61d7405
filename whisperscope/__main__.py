try:  # Ctrl+C this early must not print a traceback either (see whisperscope.cli.main)
    from whisperscope.cli import main
except KeyboardInterrupt:
    raise SystemExit(130) from None

raise SystemExit(main())
