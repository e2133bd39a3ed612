module github.com/wakubot/wakubot/clients/go

go 1.19
