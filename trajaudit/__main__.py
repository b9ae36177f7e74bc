from trajaudit.entry import main

main()
