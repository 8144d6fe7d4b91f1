from django.contrib import admin

from notifications.models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "purpose", "status", "tries", "sent_at"]
    list_filter = ["channel", "status", "purpose"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
