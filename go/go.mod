module example.invalid/cloudconnexa/go

go 1.19
