from django.urls import path

from cosmetics import views

urlpatterns = [
    path("cosmetics/", views.ShopListApi.as_view(), name="cosmetics-shop"),
    path("cosmetics/inventory/", views.InventoryApi.as_view(), name="cosmetics-inventory"),
    path("cosmetics/loadout/", views.LoadoutApi.as_view(), name="cosmetics-loadout"),
    path(
        "cosmetics/loadout/unequip/",
        views.LoadoutUnequipApi.as_view(),
        name="cosmetics-loadout-unequip",
    ),
    path("cosmetics/<str:pk>/", views.CosmeticDetailApi.as_view(), name="cosmetics-detail"),
    path(
        "cosmetics/<str:pk>/purchase/",
        views.CosmeticPurchaseApi.as_view(),
        name="cosmetics-purchase",
    ),
    path("cosmetics/<str:pk>/equip/", views.CosmeticEquipApi.as_view(), name="cosmetics-equip"),
    path("wallet/", views.WalletApi.as_view(), name="wallet"),
    path("wallet/transactions/", views.WalletTransactionsApi.as_view(), name="wallet-transactions"),
]
