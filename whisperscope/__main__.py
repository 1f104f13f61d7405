from whisperscope.cli import main

raise SystemExit(main())
